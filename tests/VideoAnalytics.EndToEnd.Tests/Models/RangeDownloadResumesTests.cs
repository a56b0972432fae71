using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VideoAnalytics.Admin.Commands;
using VideoAnalytics.Contracts.Models;
using VideoAnalytics.Edge.Models;
using VideoAnalytics.Testing;

namespace VideoAnalytics.EndToEnd.Tests.Models;

[Collection(ModelCloud.Collection)]
public sealed class RangeDownloadResumesTests : IAsyncLifetime
{
    private static readonly string Onnx = TestEnvironment.Models("osnet_x0_25_msmt17", "osnet_x0_25_msmt17.onnx");
    private ModelCloud _cloud = null!;
    private string _package = null!;
    private string _work = null!;

    public async Task InitializeAsync()
    {
        _cloud = await ModelCloud.StartAsync();
        _work = TestEnvironment.NewTempDir("va-dl");
        _package = Path.Combine(_work, "pkg");
        Directory.CreateDirectory(_package);
        File.Copy(Path.Combine(TestEnvironment.RepoRoot, "deploy", "models", "osnet-x0-25", "manifest.json"), Path.Combine(_package, "manifest.json"));
        File.Copy(Onnx, Path.Combine(_package, Path.GetFileName(Onnx)));
        Assert.Equal(0, await ModelsCommands.SignAsync(new DirectoryInfo(_package), new FileInfo(_cloud.PrivateKeyPath), null, CancellationToken.None));
        using var api = new ModelsApiClient(_cloud.BaseUrl, ModelCloud.Token);
        Assert.Equal(0, await ModelsCommands.PushAsync(api, new DirectoryInfo(_package), scope: null, canary: 0, CancellationToken.None));
    }

    public async Task DisposeAsync()
    {
        await _cloud.DisposeAsync();
        Directory.Delete(_work, recursive: true);
    }

    /// <summary>Records what the client sent and what came back, so the test sees the range request on the wire.</summary>
    private sealed class Recorder() : DelegatingHandler(new HttpClientHandler())
    {
        public List<(RangeHeaderValue? Range, HttpStatusCode Status)> Exchanges { get; } = [];

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken ct)
        {
            var response = await base.SendAsync(request, ct);
            Exchanges.Add((request.Headers.Range, response.StatusCode));
            return response;
        }
    }

    private (PackageDownloader Downloader, Recorder Wire) Downloader()
    {
        var wire = new Recorder();
        return (new PackageDownloader(new HttpClient(wire), Options.Create(new ModelManagerOptions { Directory = _work }), NullLogger<PackageDownloader>.Instance), wire);
    }

    private string FileUrl => $"{_cloud.BaseUrl}/api/models/osnet-x0-25/0.1.0/files/{Path.GetFileName(Onnx)}";

    [Fact]
    public async Task A_partial_file_is_completed_with_a_range_request_and_verifies()
    {
        var target = Path.Combine(_work, "model.onnx");
        var original = await File.ReadAllBytesAsync(Onnx);
        await File.WriteAllBytesAsync(target + ".partial", original[..300_000]);
        var (downloader, wire) = Downloader();
        var (sha, bytes) = await ModelPackageFiles.HashFileAsync(Onnx, CancellationToken.None);

        await downloader.DownloadFileAsync(new Uri(FileUrl), target, bytes, sha, CancellationToken.None);

        Assert.Equal(original, await File.ReadAllBytesAsync(target));
        Assert.False(File.Exists(target + ".partial"));
        var (range, status) = Assert.Single(wire.Exchanges);
        Assert.Equal(300_000, range!.Ranges.Single().From);
        Assert.Equal(HttpStatusCode.PartialContent, status);
    }

    [Fact]
    public async Task A_corrupt_partial_file_is_discarded_and_the_next_attempt_fetches_it_whole()
    {
        var target = Path.Combine(_work, "corrupt.onnx");
        await File.WriteAllBytesAsync(target + ".partial", new byte[200_000]);
        var (downloader, wire) = Downloader();
        var (sha, bytes) = await ModelPackageFiles.HashFileAsync(Onnx, CancellationToken.None);

        var e = await Assert.ThrowsAsync<ModelFetchException>(() => downloader.DownloadFileAsync(new Uri(FileUrl), target, bytes, sha, CancellationToken.None));
        Assert.Contains("does not match its size/SHA-256", e.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(target + ".partial"));

        await downloader.DownloadFileAsync(new Uri(FileUrl), target, bytes, sha, CancellationToken.None);
        Assert.Equal(sha, (await ModelPackageFiles.HashFileAsync(target, CancellationToken.None)).Sha256);
        Assert.Null(wire.Exchanges[^1].Range);
    }

    [Fact]
    public async Task The_server_answers_a_range_with_exactly_those_bytes()
    {
        using var http = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, FileUrl);
        request.Headers.Range = new RangeHeaderValue(1000, 1999);
        using var response = await http.SendAsync(request);
        Assert.Equal(HttpStatusCode.PartialContent, response.StatusCode);
        Assert.Equal((await File.ReadAllBytesAsync(Onnx))[1000..2000], await response.Content.ReadAsByteArrayAsync());
        Assert.Equal(new FileInfo(Onnx).Length, response.Content.Headers.ContentRange!.Length);
    }
}
