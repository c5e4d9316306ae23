using System.Diagnostics;
using Wanwu.Sources;

namespace Wanwu.Decode;

/// <summary>
/// A test seam standing in for a native decoder fault, compiled into Debug builds only (the tests run those; a Release
/// build of wanwu has no call to it): <c>WANWU_TEST_DECODER_FAULT=crash:NAME</c> aborts the process and
/// <c>hang:NAME</c> blocks forever, for a file whose path contains NAME.
/// </summary>
internal static class DecoderFaultHook
{
    private static readonly string[]? Fault = Environment.GetEnvironmentVariable("WANWU_TEST_DECODER_FAULT")?.Split(':', 2);

    [Conditional("DEBUG")]
    public static void Apply(InputItem item)
    {
        if (Fault is not [var kind, var name] || !item.Path.Contains(name, StringComparison.Ordinal)) return;
        if (kind == "crash") Environment.FailFast("injected decoder crash");
        if (kind == "hang") Thread.Sleep(Timeout.Infinite);
    }
}
