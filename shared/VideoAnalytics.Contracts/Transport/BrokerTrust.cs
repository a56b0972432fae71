using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace VideoAnalytics.Contracts.Transport;

/// <summary>
/// Checks a broker's TLS certificate against the organisation's own CA (a PEM file) instead of the system store,
/// as both the edge and the cloud do.
/// </summary>
public sealed class BrokerTrust
{
    private readonly X509Certificate2Collection _roots = [];

    public BrokerTrust(string caPemFile)
    {
        _roots.ImportFromPemFile(caPemFile);
        if (_roots.Count == 0) throw new ArgumentException($"CA file '{caPemFile}' holds no certificate", nameof(caPemFile));
    }

    /// <summary>True when the certificate chains to the CA and names the host we connected to.</summary>
    public bool IsTrusted(X509Certificate? certificate, SslPolicyErrors errors)
    {
        if (certificate is null) return false;
        // Only a chain error is forgiven here (our CA is not in the system store); a name mismatch is not.
        if ((errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None) return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(_roots);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        using var leaf = new X509Certificate2(certificate);
        return chain.Build(leaf);
    }
}
