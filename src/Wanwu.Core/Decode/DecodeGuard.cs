using System.Text;
using Microsoft.Win32.SafeHandles;
using Wanwu.Sources;

namespace Wanwu.Decode;

/// <summary>
/// Knows which file each decoder is working on, on disk, so that after a native crash of libvips the supervising
/// process can tell which files were being decoded; and notices a decode that takes longer than the limit (a hang).
/// </summary>
internal sealed class DecodeGuard : IDisposable
{
    private readonly Action _clear;
    private readonly TimeSpan _timeout;
    private readonly Action<InputItem>? _onHung;
    private readonly SafeFileHandle[] _files;
    private readonly (InputItem? Item, long Started)[] _current;
    private readonly Timer? _timer;

    /// <param name="inflight">The file of decoder i (see <c>OutputFolder.Inflight</c>).</param>
    /// <param name="clear">Removes the in-flight files when the guard is done.</param>
    /// <param name="decoders">Number of decoders.</param>
    /// <param name="timeout">Longest a decode may take; zero for no limit.</param>
    /// <param name="onHung">Called once with a file whose decode passed the limit.</param>
    public DecodeGuard(Func<int, string> inflight, Action clear, int decoders, TimeSpan timeout, Action<InputItem>? onHung)
    {
        _clear = clear;
        _timeout = timeout;
        _onHung = onHung;
        _files = Enumerable.Range(0, decoders)
            .Select(i => File.OpenHandle(inflight(i), FileMode.Create, FileAccess.Write, FileShare.Read))
            .ToArray();
        _current = new (InputItem?, long)[decoders];
        if (timeout > TimeSpan.Zero && onHung is not null)
        {
            var period = TimeSpan.FromMilliseconds(Math.Clamp(timeout.TotalMilliseconds / 4, 50, 1000));
            _timer = new Timer(_ => Check(), null, period, period);
        }
    }

    public void Begin(int decoder, InputItem item)
    {
        var bytes = Encoding.UTF8.GetBytes(item.Path);
        // Written to the OS, not synced: a crash of this process keeps it; a power loss needs no suspect.
        RandomAccess.SetLength(_files[decoder], 0);
        RandomAccess.Write(_files[decoder], bytes, 0);
        Volatile.Write(ref _current[decoder].Started, Environment.TickCount64);
        _current[decoder].Item = item;
    }

    public void End(int decoder)
    {
        _current[decoder].Item = null;
        RandomAccess.SetLength(_files[decoder], 0);
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

    public void Dispose()
    {
        _timer?.Dispose();
        foreach (var f in _files) f.Dispose();
        _clear();
    }
}
