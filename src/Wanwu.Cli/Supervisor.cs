using System.Diagnostics;
using Wanwu.Decode;
using Wanwu.Engine;
using Wanwu.Sinks;
using Wanwu.Sources;

namespace Wanwu.Cli;

/// <summary>
/// Runs a tagging job in a child process and survives what kills it: a native crash in a decoder (the files being
/// decoded are retried one at a time, and the one that crashes alone gets a <c>decoder_crash</c> error record) or a
/// hang (the file gets a <c>decode_timeout</c> record). After each recovery a new child resumes from the journal.
/// </summary>
public static class Supervisor
{
    /// <summary>Set in a child's environment: run the job in-process.</summary>
    public const string ChildVariable = "WANWU_CHILD_OF";
    /// <summary>Set in a child's environment: only these paths (a file, one a line), one decoder.</summary>
    public const string OnlyVariable = "WANWU_ONLY";
    /// <summary>A child whose decoder hung exits with this code after naming the file in <c>OutputFolder.Hung</c>.</summary>
    public const int HungExitCode = 75;

    private static readonly HashSet<int> Clean = [ExitCodes.Ok, ExitCodes.Failure, ExitCodes.Usage, ExitCodes.Input, ExitCodes.Model, ExitCodes.Output, ExitCodes.Cancelled];

    public static async Task<int> RunAsync(string[] args, TagRun options, CancellationToken ct)
    {
        var folder = new OutputFolder(options.Output.Dir);
        for (var recoveries = 0; ; recoveries++)
        {
            var code = await RunChild(args, null, ct);
            if (Clean.Contains(code) || ct.IsCancellationRequested) return code;
            if (recoveries >= 100) return Fail($"the tagging process stopped abnormally {recoveries} times; giving up");

            if (code == HungExitCode && File.Exists(folder.Hung))
            {
                var hung = File.ReadAllText(folder.Hung);
                File.Delete(folder.Hung);
                // "0.###": a limit under a second must not read "0 s".
                var limit = options.Decode.Timeout.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
                Console.Error.WriteLine($"wanwu: decoding '{hung}' took longer than {limit} s; recorded as an error and resuming");
                await RecordError(options, hung, ImageErrorTypes.DecodeTimeout, $"decoding took longer than {limit} s and was abandoned");
                continue;
            }

            var suspects = folder.ReadInflight();
            if (suspects.Count == 0) return Fail($"the tagging process stopped abnormally (exit {code}) while no image was being decoded");
            Console.Error.WriteLine($"wanwu: the tagging process crashed (exit {code}) while decoding {string.Join(", ", suspects.Select(s => $"'{s}'"))}; retrying them one at a time");
            foreach (var suspect in suspects)
            {
                await File.WriteAllTextAsync(folder.Only, suspect + "\n", ct);
                var alone = suspects.Count == 1 ? code : await RunChild(args, folder.Only, ct);
                if (ct.IsCancellationRequested) return ExitCodes.Cancelled;
                if (!Clean.Contains(alone))
                    await RecordError(options, suspect, ImageErrorTypes.DecoderCrash, $"the image decoder crashed on this file (exit {alone})");
            }
        }
    }

    private static async Task<int> RunChild(string[] args, string? only, CancellationToken ct)
    {
        var psi = SelfProcess.StartInfo(args);
        psi.Environment[ChildVariable] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (only is not null) psi.Environment[OnlyVariable] = only;
        using var child = Process.Start(psi)!;
        await using var forward = ct.Register(() => SelfProcess.Interrupt(child));
        await child.WaitForExitAsync(CancellationToken.None);
        return child.ExitCode;
    }

    /// <summary>Appends an error record for <paramref name="path"/>, stamped so the resumed run counts it as done.</summary>
    private static async Task RecordError(TagRun options, string path, string type, string message)
    {
        var item = ImageSources.Enumerate(options.Inputs).FirstOrDefault(i => i.Path == path);
        var record = ImageResult.Failed(path, type, message);
        if (item is not null) record = record.StampedWith(item.Stamp);
        var folder = new OutputFolder(options.Output.Dir);
        using var outputLock = folder.Lock(TimeSpan.FromSeconds(15));
        // In a retry job this record is the image's retry: the next child must not try it again (and hang again).
        var journal = options.Output.RetryErrors ? ResultJournal.Open(folder, retryErrors: true) : null;
        await using var sink = new JsonlSink(folder);
        await sink.WriteAsync([record], CancellationToken.None);
        journal?.Wrote([record]);
    }

    private static int Fail(string message)
    {
        Console.Error.WriteLine($"wanwu: {message}");
        return ExitCodes.Failure;
    }
}
