using System.Net;
using System.Text.Json;

namespace Wanwu.Models.ModelScope;

/// <summary>
/// The two calls of ModelScope's public HTTP API that <c>snapshot_download</c> makes, reproduced from the Python library
/// (modelscope/hub/api.py <c>get_model_files</c>, modelscope/hub/file_download.py <c>get_file_download_url</c>):
/// <list type="bullet">
/// <item><c>GET {endpoint}/api/v1/models/{owner}/{name}/repo/files?Revision={rev}&amp;Recursive=True</c> with
/// <c>Snapshot: True</c>, answered <c>{Code, Data: {Files: [{Name, Path, Type, Size, Sha256, …}]}, Message, RequestId, Success}</c>;</item>
/// <item><c>GET {endpoint}/api/v1/models/{owner}/{name}/repo?Revision={rev}&amp;FilePath={path}</c> with a Range header
/// (large files answer 302 to a CDN, which HttpClient follows).</item>
/// </list>
/// Every request carries <c>X-Request-ID</c> (a uuid4 hex, as the library's builder_headers) and the access token, if
/// any, as the cookie <c>m_session_id</c> for the endpoint's host only (HubApi._get_cookies), so a redirect to the CDN
/// does not carry it. Proxies come from HTTP_PROXY / HTTPS_PROXY / ALL_PROXY / NO_PROXY through HttpClient's default proxy.
/// </summary>
internal sealed class ModelScopeHubClient : IDisposable
{
    private readonly ModelScopeHubSettings _settings;
    private readonly TextWriter? _log;
    private readonly HttpClient _http;

    public ModelScopeHubClient(ModelScopeHubSettings settings, TextWriter? log)
    {
        _settings = settings;
        _log = log;
        var handler = new SocketsHttpHandler { UseCookies = true, CookieContainer = new CookieContainer(), ConnectTimeout = TimeSpan.FromSeconds(30) };
        if (settings.Token is { } token)
        {
            try
            {
                handler.CookieContainer.Add(new Uri(settings.Endpoint), new Cookie("m_session_id", token, "/"));
            }
            catch (CookieException e)
            {
                handler.Dispose();
                throw new ModelLoadException($"{ModelScopeHubSettings.TokenVariable} holds characters a cookie cannot carry; copy the token from https://modelscope.cn/my/myaccesstoken exactly.", e);
            }
        }
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };   // reads are timed one by one
        _http.DefaultRequestHeaders.UserAgent.ParseAdd($"wanwu/{typeof(ModelScopeHubClient).Assembly.GetName().Version?.ToString(3) ?? "0"}");
    }

    public string Endpoint => _settings.Endpoint;

    /// <summary>Every file of the model at its revision, folders included, without .gitignore and .gitattributes (as get_model_files).</summary>
    public async Task<IReadOnlyList<HubFile>> ListFilesAsync(ModelScopeRef model, CancellationToken ct)
    {
        var url = new Uri($"{Endpoint}/api/v1/models/{model.Owner}/{model.Name}/repo/files?Revision={Uri.EscapeDataString(model.Revision)}&Recursive=True");
        for (var failures = 1; ; failures++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.Add("X-Request-ID", Guid.NewGuid().ToString("N"));
            request.Headers.Add("Snapshot", "True");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(_settings.ReadTimeout);
            try
            {
                using var response = await _http.SendAsync(request, timeout.Token);
                var body = await response.Content.ReadAsStringAsync(timeout.Token);
                var code = (int)response.StatusCode;
                if (code >= 500 && failures < _settings.Attempts)
                {
                    await PauseAsync(failures, $"ModelScope answered HTTP {code}", ct);
                    continue;
                }
                if (!response.IsSuccessStatusCode) throw Refusal(model, "list the files of", response.StatusCode, body, missing: null);
                return ParseListing(model, body);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is HttpRequestException or IOException or OperationCanceledException)
            {
                if (failures >= _settings.Attempts)
                    throw new ModelLoadException(
                        $"Cannot reach ModelScope at {Endpoint} to list {model}: {(e is OperationCanceledException ? $"no answer in {_settings.ReadTimeout.TotalSeconds:0} s" : e.Message)}. "
                        + $"Check the network; behind a proxy set HTTPS_PROXY (and NO_PROXY); for a mirror set {ModelScopeHubSettings.DomainVariable}.", e);
                await PauseAsync(failures, e.Message, ct);
            }
        }
    }

    /// <summary>Fetches one listed file into <paramref name="target"/>, resuming and verifying it (<see cref="ResumableDownload"/>).</summary>
    public Task DownloadAsync(ModelScopeRef model, HubFile file, string target, CancellationToken ct)
    {
        var url = new Uri($"{Endpoint}/api/v1/models/{model.Owner}/{model.Name}/repo?Revision={Uri.EscapeDataString(model.Revision)}&FilePath={Uri.EscapeDataString(file.Path)}");
        return new ResumableDownload(_http, _settings, _log).FetchAsync(url, file.Path, file.Size, file.Sha256, target,
            async response => Refusal(model, $"download {file.Path} of", response.StatusCode, await response.Content.ReadAsStringAsync(ct), missing: file.Path), ct);
    }

    private IReadOnlyList<HubFile> ParseListing(ModelScopeRef model, string body)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body);
        }
        catch (JsonException e)
        {
            throw new ModelLoadException($"{Endpoint} did not answer the file listing of {model} with ModelScope's JSON; is {ModelScopeHubSettings.DomainVariable} a ModelScope hub?", e);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw new ModelLoadException($"{Endpoint} did not answer the file listing of {model} with ModelScope's JSON; is {ModelScopeHubSettings.DomainVariable} a ModelScope hub?");
            var (code, message) = Envelope(root);
            var success = !root.TryGetProperty("Success", out var s) || s.ValueKind != JsonValueKind.False;
            if (code != 200 || !success)
                throw new ModelLoadException($"ModelScope refused to list the files of {model}: {message ?? "no reason given"} (Code {code}).");
            // An unknown revision is answered 200 with "Files": null, not 404.
            if (!root.TryGetProperty("Data", out var data) || data.ValueKind != JsonValueKind.Object
                || !data.TryGetProperty("Files", out var files) || files.ValueKind != JsonValueKind.Array || files.GetArrayLength() == 0)
                throw new ModelLoadException(
                    $"ModelScope lists no files for {model}: revision '{model.Revision}' does not exist there, or the model is empty. "
                    + $"The default branch is {ModelScopeRef.DefaultRevision} (not main); the versions are listed on {Endpoint}/models/{model.Id}.");
            return files.EnumerateArray().Select(HubFile.FromJson).Where(f => f.Name is not ".gitignore" and not ".gitattributes").ToList();
        }
    }

    private ModelLoadException Refusal(ModelScopeRef model, string action, HttpStatusCode status, string body, string? missing)
    {
        var code = (int)status;
        var hub = HubMessage(body) is { } m ? $"; ModelScope says: {m}" : "";
        var page = $"{Endpoint}/models/{model.Id}";
        return status switch
        {
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden when _settings.Token is null => new ModelLoadException(
                $"ModelScope refused to {action} {model} (HTTP {code}{hub}): the model is private or gated. Create an access token at "
                + $"https://modelscope.cn/my/myaccesstoken and set {ModelScopeHubSettings.TokenVariable} to it."),
            HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden => new ModelLoadException(
                $"ModelScope refused to {action} {model} (HTTP {code}{hub}): the token in {ModelScopeHubSettings.TokenVariable} was not accepted. "
                + $"Check that it is current and that your account may use {page}."),
            HttpStatusCode.NotFound when missing is not null => new ModelLoadException(
                $"ModelScope has no file {missing} in {model} (HTTP 404{hub}), although its listing names it; run again later, or see {page}."),
            HttpStatusCode.NotFound => new ModelLoadException(
                $"ModelScope has no model {model.Id} at {Endpoint} (HTTP 404{hub}). Check the owner and name on {page}"
                + (_settings.Token is null ? $"; a private model also answers 404 until {ModelScopeHubSettings.TokenVariable} is set." : ".")),
            _ => new ModelLoadException($"ModelScope answered HTTP {code} when asked to {action} {model}{hub}; try again later."),
        };
    }

    /// <summary>The hub's own words from an error body <c>{Code, Message, RequestId, Success}</c>, if it sent one.</summary>
    private static string? HubMessage(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return null;
            var (code, message) = Envelope(doc.RootElement);
            return message is null ? null : $"{message} (Code {code})";
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static (long? Code, string? Message) Envelope(JsonElement root) => (
        root.TryGetProperty("Code", out var c) && c.ValueKind == JsonValueKind.Number && c.TryGetInt64(out var code) ? code : null,
        root.TryGetProperty("Message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null);

    private async Task PauseAsync(int failures, string why, CancellationToken ct)
    {
        _log?.WriteLine($"modelscope: {why}; trying again");
        await Task.Delay(_settings.RetryDelay * Math.Pow(2, failures - 1), ct);
    }

    public void Dispose() => _http.Dispose();
}
