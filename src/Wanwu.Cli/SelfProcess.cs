using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Wanwu.Cli;

/// <summary>Starting wanwu itself as a child process, and the few POSIX calls that supervising one needs.</summary>
public static partial class SelfProcess
{
    /// <summary>A start description for this same program with <paramref name="args"/>, whether it runs as an apphost or as <c>dotnet wanwu.dll</c>.</summary>
    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(Environment.ProcessPath!) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(Environment.ProcessPath!) == "dotnet") psi.ArgumentList.Add(typeof(SelfProcess).Assembly.Location);
        foreach (var a in args) psi.ArgumentList.Add(a);
        return psi;
    }

    private const int SigInt = 2;
    private const int SigKill = 9;
    private const int PrSetPdeathsig = 1;

    [LibraryImport("libc", SetLastError = true)]
    private static partial int kill(int pid, int sig);

    [LibraryImport("libc", SetLastError = true)]
    private static partial int prctl(int option, nint arg2, nint arg3, nint arg4, nint arg5);

    [LibraryImport("libc")]
    private static partial int getppid();

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void ExitImmediately(int status);

    /// <summary>
    /// Ends this process at once with <paramref name="code"/>, every thread stopping where it is. Environment.Exit calls
    /// exit(), which runs the native libraries' static destructors while the other threads go on: ONNX Runtime's type
    /// singletons are destroyed under a running session, whose failures ("GetElementType is not implemented") the
    /// pipeline would write as inference_error records before the process is gone.
    /// </summary>
    public static void ExitNow(int code)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) ExitImmediately(code);
        Environment.Exit(code);
    }

    /// <summary>Sends Ctrl-C's signal to a child, so it stops the way an interrupted run should.</summary>
    public static void Interrupt(Process child)
    {
        if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS()) kill(child.Id, SigInt);
    }

    /// <summary>Makes this process die with its parent (Linux), so a killed supervisor never leaves a worker writing behind it.</summary>
    public static void DieWithParent(int parentPid)
    {
        if (!OperatingSystem.IsLinux()) return;
        prctl(PrSetPdeathsig, SigKill, 0, 0, 0);
        // The parent may have died before prctl took effect.
        if (getppid() != parentPid) Environment.Exit(ExitCodes.Failure);
    }
}
