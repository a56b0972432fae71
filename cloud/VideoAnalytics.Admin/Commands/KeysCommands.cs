using System.CommandLine;
using VideoAnalytics.Contracts.Models;

namespace VideoAnalytics.Admin.Commands;

/// <summary><c>va keys create --out DIR [--id KEYID]</c>: a new model-signing key pair.</summary>
public static class KeysCommands
{
    public static Command Build()
    {
        var outDir = new Option<DirectoryInfo>("--out") { Description = "Folder to write KEYID.private.pem and KEYID.public.pem into", Required = true };
        var id = new Option<string?>("--id") { Description = "Key id (a-z, 0-9, '-'); default: derived from the public key" };
        var create = new Command("create", "Create an ECDSA P-256 model-signing key pair") { outDir, id };
        create.SetAction(pr => Create(pr.GetValue(outDir)!, pr.GetValue(id)));
        return new Command("keys", "Model-signing keys") { create };
    }

    public static int Create(DirectoryInfo outDir, string? keyId)
    {
        if (keyId is not null && !ModelSigningKeys.IsValidKeyId(keyId))
            return Cli.Fail($"--id '{keyId}' is not valid: use 1-64 characters of a-z, 0-9 and '-'");
        var (privatePem, publicPem) = ModelSigningKeys.Create();
        using (var key = ModelSigningKeys.Load(publicPem, "new key")) keyId ??= ModelSigningKeys.Fingerprint(key);
        outDir.Create();
        var privatePath = Path.Combine(outDir.FullName, keyId + ModelSigningKeys.PrivateKeySuffix);
        var publicPath = Path.Combine(outDir.FullName, keyId + ModelSigningKeys.PublicKeySuffix);
        if (File.Exists(privatePath)) return Cli.Fail($"{privatePath} exists: choose another --id or --out (keys are never overwritten)");
        using (var f = new FileStream(privatePath, FileMode.CreateNew, FileAccess.Write))
        {
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(privatePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            f.Write(System.Text.Encoding.ASCII.GetBytes(privatePem));
        }
        File.WriteAllText(publicPath, publicPem);
        Console.Out.WriteLine($"key id {keyId}");
        Console.Out.WriteLine($"private {privatePath} (keep offline; sign with: va models sign DIR --key {privatePath})");
        Console.Out.WriteLine($"public  {publicPath} (trust it: Cloud:Models:TrustedKeys:{keyId} and Edge:Models:TrustedKeys:{keyId})");
        return 0;
    }
}
