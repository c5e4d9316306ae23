namespace Wanwu.Models.ModelScope;

/// <summary>
/// Where the ModelScope hub is and how to talk to it. The defaults are those of the Python <c>modelscope</c> library
/// (modelscope/hub/constants.py): <c>https://www.modelscope.cn</c>, 5 download attempts with a doubling pause from 1 s,
/// 60 s without data counting as a cut connection.
/// </summary>
internal sealed record ModelScopeHubSettings
{
    public const string DefaultEndpoint = "https://www.modelscope.cn";
    public const string DomainVariable = "MODELSCOPE_DOMAIN";
    public const string TokenVariable = "MODELSCOPE_API_TOKEN";

    /// <summary>Scheme and host, no trailing slash: <c>https://www.modelscope.cn</c>.</summary>
    public string Endpoint { get; init; } = DefaultEndpoint;
    /// <summary>An access token (modelscope.cn/my/myaccesstoken), sent as the library sends it: cookie <c>m_session_id</c>.</summary>
    public string? Token { get; init; }
    /// <summary>Requests in a row that may fail without progress before a file is given up (API_FILE_DOWNLOAD_RETRY_TIMES).</summary>
    public int Attempts { get; init; } = 5;
    /// <summary>Pause after the first failure, doubled after each further one (backoff_factor 1).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);
    /// <summary>Longest wait for the next bytes or a response (API_FILE_DOWNLOAD_TIMEOUT, API_HTTP_CLIENT_TIMEOUT).</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>Free bytes on the disk holding a folder; null measures the disk itself.</summary>
    public Func<string, long>? FreeSpace { get; init; }

    /// <summary>The settings the environment gives: <c>MODELSCOPE_DOMAIN</c> and <c>MODELSCOPE_API_TOKEN</c>.</summary>
    public static ModelScopeHubSettings FromEnvironment(Func<string, string?>? variable = null)
    {
        variable ??= Environment.GetEnvironmentVariable;
        return new ModelScopeHubSettings
        {
            Endpoint = ResolveEndpoint(variable(DomainVariable)),
            Token = variable(TokenVariable) is { } token && token.Trim().Length > 0 ? token.Trim() : null,
        };
    }

    /// <summary>
    /// modelscope's get_endpoint(): <c>https://</c> + <c>MODELSCOPE_DOMAIN</c>, or www.modelscope.cn when unset. A value
    /// that already has a scheme (<c>http://127.0.0.1:8080</c>, a mirror on plain HTTP) is used as it is; the library
    /// would prefix it again.
    /// </summary>
    public static string ResolveEndpoint(string? domain)
    {
        if (string.IsNullOrWhiteSpace(domain)) return DefaultEndpoint;
        var value = domain.Trim().TrimEnd('/');
        var url = value.Contains("://", StringComparison.Ordinal) ? value : "https://" + value;
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || uri.Host.Length == 0
            || uri.PathAndQuery != "/")
            throw new ModelLoadException($"{DomainVariable}='{domain}' is neither a host name (www.modelscope.cn) nor an http(s) address without a path (http://127.0.0.1:8080).");
        return url;
    }
}
