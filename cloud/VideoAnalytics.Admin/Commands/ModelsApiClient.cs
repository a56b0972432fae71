using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace VideoAnalytics.Admin.Commands;

/// <summary>The cloud's model API as the CLI uses it: bearer token, errors turned into one readable line.</summary>
public sealed class ModelsApiClient : IDisposable
{
    public const string UrlVariable = "VA_CLOUD_URL";
    public const string TokenVariable = "VA_API_TOKEN";

    private readonly HttpClient _http;

    public ModelsApiClient(string baseUrl, string token, HttpMessageHandler? handler = null)
    {
        _http = handler is null ? new HttpClient() : new HttpClient(handler);
        _http.BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/");
        _http.Timeout = Timeout.InfiniteTimeSpan;
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
    }

    internal static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public async Task<JsonElement> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, ct);
        var body = await response.Content.ReadAsStringAsync(ct);
        JsonElement json = default;
        if (body.Length > 0)
        {
            try { json = JsonDocument.Parse(body).RootElement.Clone(); }
            catch (JsonException) { json = default; }
        }
        if (response.IsSuccessStatusCode) return json;
        var detail = json.ValueKind == JsonValueKind.Object && json.TryGetProperty("detail", out var d) ? d.GetString() : body;
        throw new ModelsApiException($"{(int)response.StatusCode} {response.ReasonPhrase}: {detail}");
    }

    public Task<JsonElement> PostJsonAsync<T>(string path, T body, CancellationToken ct) => SendAsync(HttpMethod.Post, path, JsonContent.Create(body, options: Json), ct);

    public Task<JsonElement> GetAsync(string path, CancellationToken ct) => SendAsync(HttpMethod.Get, path, null, ct);

    public void Dispose() => _http.Dispose();
}

public sealed class ModelsApiException(string message) : Exception(message);
