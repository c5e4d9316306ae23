using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;

namespace Wanwu.Models.ModelScope;

/// <summary>
/// One file fetched over HTTP as modelscope's <c>http_get_model_file</c> fetches it: bytes go to <c>target.partial</c>,
/// each request asks for the closed range still missing (<c>Range: bytes=have-(size-1)</c>), so a cut connection is
/// continued, in this run or a later one, and the file takes its name only once its size and SHA-256 match the listing.
/// </summary>
internal sealed class ResumableDownload(HttpClient http, ModelScopeHubSettings settings, TextWriter? log)
{
    public const string PartialSuffix = ".partial";
    private const long ProgressFrom = 8_000_000;

    /// <summary>
    /// Fetches <paramref name="url"/> into <paramref name="target"/>, which must then be <paramref name="size"/> bytes with
    /// the given SHA-256 (null where the listing has none); <paramref name="refuse"/> turns an HTTP answer that retrying
    /// cannot mend (401, 404, …) into the error the user sees.
    /// </summary>
    public async Task FetchAsync(Uri url, string name, long size, string? sha256, string target,
        Func<HttpResponseMessage, Task<Exception>> refuse, CancellationToken ct)
    {
        if (size < 0) throw new ModelLoadException($"The ModelScope listing gives no size for {name}, so it cannot be fetched and checked.");
        if (File.Exists(target))
        {
            if (new FileInfo(target).Length == size && (sha256 is null || Sha256(target) == sha256)) return;
            File.Delete(target);
        }
        var partial = target + PartialSuffix;
        log?.WriteLine($"modelscope: fetching {name} ({DiskSpace.Size(size)}){(Length(partial) is > 0 and var have ? $", continuing at {DiskSpace.Size(have)}" : "")}");
        var failures = 0;
        while (true)
        {
            var before = Length(partial);
            if (before > size) { File.Delete(partial); before = 0; }
            if (before == size)
            {
                if (size == 0) await File.WriteAllBytesAsync(partial, [], ct);
                break;
            }
            Exception? error = null;
            try
            {
                await RequestAsync(url, name, size, partial, before, refuse, ct);
            }
            catch (IOException e) when (DiskSpace.IsFull(e))
            {
                throw DiskSpace.FullError(Path.GetDirectoryName(partial)!, $"fetching {name}", e);
            }
            catch (Exception e) when (!ct.IsCancellationRequested && e is IOException or HttpRequestException or TimeoutException)
            {
                error = e;
            }
            var after = Length(partial);
            if (after == size) break;
            error ??= new IOException($"the connection closed after {after:N0} of {size:N0} bytes");
            failures = after > before ? 1 : failures + 1;
            if (failures >= settings.Attempts)
                throw new ModelLoadException(
                    $"Fetching {name} from {url.GetLeftPart(UriPartial.Authority)} failed {failures} time(s) in a row: {error.Message}. "
                    + (after > 0
                        ? $"The {after:N0} of {size:N0} bytes received are kept in {partial}; run again to continue from there."
                        : $"Check the network; behind a proxy set HTTPS_PROXY (and NO_PROXY), and run again."), error);
            log?.WriteLine($"modelscope: {name}: {error.Message}; resuming at byte {after:N0} with a Range request");
            await Task.Delay(settings.RetryDelay * Math.Pow(2, failures - 1), ct);
        }
        Verify(partial, name, sha256, url);
        File.Move(partial, target, overwrite: true);
    }

    private async Task RequestAsync(Uri url, string name, long size, string partial, long have,
        Func<HttpResponseMessage, Task<Exception>> refuse, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Add("X-Request-ID", Guid.NewGuid().ToString("N"));
        request.Headers.Range = new RangeHeaderValue(have, size - 1);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(settings.ReadTimeout);
        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new TimeoutException($"no answer in {settings.ReadTimeout.TotalSeconds:0} s");
        }
        using (response)
        {
            switch (response.StatusCode)
            {
                case HttpStatusCode.PartialContent:
                    if (response.Content.Headers.ContentRange?.From is { } from && from != have)
                        throw new IOException($"the server sent bytes from {from:N0} when {have:N0} was asked for");
                    break;
                case HttpStatusCode.OK:
                    have = 0;   // the server ignored the Range header and sends the whole file
                    break;
                case HttpStatusCode.RequestedRangeNotSatisfiable:
                    File.Delete(partial);
                    throw new IOException("the server refused the range asked for; starting the file again");
                case var code when (int)code >= 500 || code is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests:
                    throw new HttpRequestException($"HTTP {(int)code} {response.ReasonPhrase}", null, code);
                default:
                    throw await refuse(response);
            }

            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            await using var file = new FileStream(partial, have == 0 ? FileMode.Create : FileMode.Append, FileAccess.Write, FileShare.None, 1 << 16);
            var buffer = new byte[1 << 20];
            var step = size >= ProgressFrom ? size / 10 : long.MaxValue;
            var nextReport = (have / step + 1) * step;
            while (true)
            {
                timeout.CancelAfter(settings.ReadTimeout);
                int n;
                try
                {
                    n = await body.ReadAsync(buffer, timeout.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                    throw new TimeoutException($"no data for {settings.ReadTimeout.TotalSeconds:0} s");
                }
                if (n == 0) return;
                if (have + n > size)
                {
                    file.Close();
                    File.Delete(partial);
                    throw new ModelLoadException($"{name} from {url.Host} is larger than the {size:N0} bytes the ModelScope listing gives; it was refused and deleted.");
                }
                await file.WriteAsync(buffer.AsMemory(0, n), ct);
                have += n;
                if (have >= nextReport && have < size)
                {
                    log?.WriteLine($"modelscope: {name} {100 * have / size}% ({DiskSpace.Size(have)} of {DiskSpace.Size(size)})");
                    nextReport = (have / step + 1) * step;
                }
            }
        }
    }

    private void Verify(string partial, string name, string? sha256, Uri url)
    {
        if (sha256 is null)
        {
            log?.WriteLine($"modelscope: the listing gives no SHA-256 for {name}; only its size was checked");
            return;
        }
        var actual = Sha256(partial);
        if (actual == sha256) return;
        File.Delete(partial);
        throw new ModelLoadException(
            $"{name} from {url.Host} has SHA-256 {actual}, but the ModelScope listing says {sha256}: the download is damaged or was altered on the way. "
            + "It was deleted and nothing was cached; run again to fetch it anew, and if this repeats, check the proxy or mirror (MODELSCOPE_DOMAIN) in between.");
    }

    private static long Length(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
