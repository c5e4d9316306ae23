namespace Wanwu.Models.ModelScope;

/// <summary>A model on the ModelScope hub as <c>--model</c> names it: <c>modelscope:owner/name</c> or <c>modelscope:owner/name@revision</c>.</summary>
internal sealed record ModelScopeRef(string Owner, string Name, string Revision)
{
    public const string Prefix = "modelscope:";

    /// <summary>The hub's default branch (modelscope's <c>MASTER_MODEL_BRANCH</c>); ModelScope has no <c>main</c>.</summary>
    public const string DefaultRevision = "master";

    public string Id => $"{Owner}/{Name}";

    public static bool IsSpec(string model) => model.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase);

    public static ModelScopeRef Parse(string spec)
    {
        var body = IsSpec(spec) ? spec[Prefix.Length..] : spec;
        var at = body.IndexOf('@');
        var id = at < 0 ? body : body[..at];
        var revision = at < 0 ? DefaultRevision : body[(at + 1)..];
        var parts = id.Split('/');
        if (parts.Length != 2 || !IsName(parts[0]) || !IsName(parts[1]))
            throw new ModelLoadException(
                $"'{spec}' is not a ModelScope model: write modelscope:owner/name or modelscope:owner/name@revision, e.g. modelscope:damo/cv_resnest101_general_recognition.");
        if (!IsRevision(revision))
            throw new ModelLoadException($"'{revision}' in '{spec}' is not a revision (a branch or tag such as master or v1.0.2).");
        return new ModelScopeRef(parts[0], parts[1], revision);
    }

    /// <summary>
    /// One folder name per model and revision. Names and revisions are limited to characters that are safe in a path, and
    /// '~' cannot occur in a git ref, so the '/' of a branch like <c>feature/x</c> maps to it without collisions.
    /// </summary>
    public string CacheName => $"modelscope--{Owner}--{Name}@{Revision.Replace('/', '~')}";

    public override string ToString() => $"{Id}@{Revision}";

    private static bool IsName(string s) =>
        s.Length is > 0 and <= 128 && s is not "." and not ".." && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');

    private static bool IsRevision(string s) =>
        s.Length is > 0 and <= 128
        && s.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '/')
        && s.Split('/').All(p => p is not "" and not "." and not "..");
}
