using System.Text;
using Microsoft.Win32.SafeHandles;
using Wanwu.Sources;

namespace Wanwu.Decode;

/// <summary>
/// Knows which file each decoder is working on, on disk, so that after a native crash of libvips the supervising
/// process can tell which files were being decoded; and notices a decode that takes longer than the limit (a hang).
/// </summary>
public sealed class DecodeGuard : IDisposable
{
    public const string InflightPrefix = "inflight-";

    private readonly string _dir;
    private readonly TimeSpan _timeout;
    private readonly Action<InputItem>? _onHung;
    private readonly SafeFileHandle[] _files;
    private readonly (InputItem? Item, long Started)[] _current;
    private readonly Timer? _timer;

    /// <param name="stateDir">Folder for the in-flight files (one per decoder).</param>
    /// <param name="workers">Number of decoders.</param>
    /// <param name="timeout">Longest a decode may take; zero for no limit.</param>
    /// <param name="onHung">Called once with a file whose decode passed the limit.</param>
    public DecodeGuard(string stateDir, int workers, TimeSpan timeout, Action<InputItem>? onHung)
    {
        _dir = stateDir;
        _timeout = timeout;
        _onHung = onHung;
        Directory.CreateDirectory(stateDir);
        _files = Enumerable.Range(0, workers)
            .Select(i => File.OpenHandle(Path.Combine(stateDir, $"{InflightPrefix}{i}"), FileMode.Create, FileAccess.Write, FileShare.Read))
            .ToArray();
        _current = new (InputItem?, long)[workers];
        if (timeout > TimeSpan.Zero && onHung is not null)
        {
            var period = TimeSpan.FromMilliseconds(Math.Clamp(timeout.TotalMilliseconds / 4, 50, 1000));
            _timer = new Timer(_ => Check(), null, period, period);
        }
    }

    public void Begin(int worker, InputItem item)
    {
        var bytes = Encoding.UTF8.GetBytes(item.Path);
        // Written to the OS, not synced: a crash of this process keeps it; a power loss needs no suspect.
        RandomAccess.SetLength(_files[worker], 0);
        RandomAccess.Write(_files[worker], bytes, 0);
        Volatile.Write(ref _current[worker].Started, Environment.TickCount64);
        _current[worker].Item = item;
    }

    public void End(int worker)
    {
        _current[worker].Item = null;
        RandomAccess.SetLength(_files[worker], 0);
    }

    private int _fired;

    private void Check()
    {
        var now = Environment.TickCount64;
        for (var i = 0; i < _current.Length; i++)
        {
            var item = _current[i].Item;
            if (item is null || now - Volatile.Read(ref _current[i].Started) < _timeout.TotalMilliseconds) continue;
            if (Interlocked.Exchange(ref _fired, 1) == 0) _onHung!(item);
            return;
        }
    }

    /// <summary>Paths that were being decoded when the process that wrote <paramref name="stateDir"/> stopped.</summary>
    public static IReadOnlyList<string> ReadInflight(string stateDir) =>
        Directory.Exists(stateDir)
            ? Directory.GetFiles(stateDir, InflightPrefix + "*").Select(File.ReadAllText).Where(p => p.Length > 0).Distinct().ToList()
            : [];

    public void Dispose()
    {
        _timer?.Dispose();
        foreach (var f in _files) f.Dispose();
        foreach (var f in Directory.GetFiles(_dir, InflightPrefix + "*")) File.Delete(f);
    }
}
