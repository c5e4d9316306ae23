using System.Text;
using Spectre.Console;

namespace Wanwu.Cli;

/// <summary>
/// Log lines written through Spectre while its live progress display is on screen: the display then clears its rows,
/// prints the line above itself and draws itself again below. A line written straight to stderr lands after the
/// display's padding and shifts its rows, and what the next redraw does not cover stays on screen (the stray "r)" after
/// the finished bar was the end of "batch size 1 (probed on CPUExecutionProvider)").
/// </summary>
internal sealed class LiveLogWriter(IAnsiConsole console) : TextWriter
{
    private readonly StringBuilder _line = new();
    private readonly Lock _lock = new();

    public override Encoding Encoding => Encoding.UTF8;

    public override void Write(char value)
    {
        lock (_lock)
        {
            if (value == '\n') Flush(force: true);
            else if (value != '\r') _line.Append(value);
        }
    }

    public override void Write(string? value)
    {
        if (value is null) return;
        lock (_lock)
        {
            foreach (var c in value) Write(c);
        }
    }

    public override void WriteLine(string? value)
    {
        lock (_lock)
        {
            Write(value);
            Write('\n');
        }
    }

    public override void Flush()
    {
        lock (_lock) Flush(force: false);
    }

    private void Flush(bool force)
    {
        if (_line.Length == 0 && !force) return;
        console.WriteLine(_line.ToString());
        _line.Clear();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) Flush();
        base.Dispose(disposing);
    }
}
