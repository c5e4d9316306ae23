namespace Wanwu;

/// <summary>Base of every error wanwu reports to a user; the CLI turns these into a message and an exit code.</summary>
public class WanwuException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>An input path that does not exist or cannot be read.</summary>
public sealed class InputNotFoundException(string message) : WanwuException(message);

/// <summary>A model that cannot be found, fetched, parsed or run.</summary>
public sealed class ModelLoadException(string message, Exception? inner = null) : WanwuException(message, inner);

/// <summary>An output directory or file that cannot be written.</summary>
public sealed class OutputException(string message, Exception? inner = null) : WanwuException(message, inner);

/// <summary>One image that could not be processed; it becomes an error record, never a stopped run.</summary>
internal sealed class ImageException(string type, string message) : Exception(message)
{
    /// <summary>One of <see cref="ImageErrorTypes"/>.</summary>
    public string Type { get; } = type;
}
