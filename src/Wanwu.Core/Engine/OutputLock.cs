namespace Wanwu.Engine;

/// <summary>Keeps two runs from writing into one output folder at once (an exclusive lock the OS drops when the process dies).</summary>
public sealed class OutputLock : IDisposable
{
    private readonly FileStream _file;

    private OutputLock(FileStream file) => _file = file;

    /// <summary>Takes the folder's lock, waiting up to <paramref name="wait"/> for a run that is ending to let go.</summary>
    public static OutputLock Acquire(string outputDir, TimeSpan wait)
    {
        var state = TaggingEngine.StateDir(outputDir);
        Directory.CreateDirectory(state);
        var path = Path.Combine(state, "lock");
        var deadline = DateTime.UtcNow + wait;
        while (true)
        {
            try
            {
                return new OutputLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(100);
            }
            catch (IOException e)
            {
                throw new OutputException($"Another wanwu run is writing to '{outputDir}'; wait for it to finish or use another output folder.", e);
            }
        }
    }

    public void Dispose() => _file.Dispose();
}
