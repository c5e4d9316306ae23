namespace Wanwu.Decode;

/// <summary>
/// A read that fails for a moment (a network file system's hiccup, a file another program holds locked while it
/// writes it) is tried again after growing pauses before the image gets a <c>read_error</c> record. A missing file or
/// folder is not a moment's failure and is not retried.
/// </summary>
/// <param name="pauses">The pause before each further attempt: as many retries as pauses.</param>
/// <param name="sleep">How a pause is waited out; <see cref="Thread.Sleep(TimeSpan)"/> unless a test watches the retries.</param>
internal sealed class ReadRetry(IReadOnlyList<TimeSpan> pauses, Action<TimeSpan>? sleep = null)
{
    /// <summary>Three more attempts after 50, 200 and 800 ms: about a second in all, small beside a decode timeout.</summary>
    public static ReadRetry Default { get; } = new([TimeSpan.FromMilliseconds(50), TimeSpan.FromMilliseconds(200), TimeSpan.FromMilliseconds(800)]);

    /// <summary>The pause before each further attempt.</summary>
    public IReadOnlyList<TimeSpan> Pauses => pauses;

    /// <summary>Runs <paramref name="read"/>, again after each pause while it throws a transient <see cref="IOException"/>.</summary>
    public T Run<T>(Func<T> read)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return read();
            }
            catch (IOException e) when (attempt < pauses.Count && IsTransient(e))
            {
                (sleep ?? Thread.Sleep)(pauses[attempt]);
            }
        }
    }

    private static bool IsTransient(IOException e) => e is not (FileNotFoundException or DirectoryNotFoundException or PathTooLongException);
}
