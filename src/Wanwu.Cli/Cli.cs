using System.CommandLine;
using Spectre.Console;

namespace Wanwu.Cli;

/// <summary>Exit codes of the wanwu command; documented in the README.</summary>
public static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int Input = 3;
    public const int Model = 4;
    public const int Output = 5;
    public const int Cancelled = 130;
}

/// <summary>Runs the command line; the only place exceptions become messages and exit codes.</summary>
public static class Cli
{
    public static async Task<int> InvokeAsync(RootCommand root, string[] args)
    {
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Console.Error.WriteLine($"wanwu: {error.Message}");
            Console.Error.WriteLine("Try 'wanwu --help'.");
            return ExitCodes.Usage;
        }
        try
        {
            // Ctrl-C cancels the run, which then finishes the batch being written; only a stuck run is killed, after 30 s.
            return await parse.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = TimeSpan.FromSeconds(30) });
        }
        catch (OperationCanceledException)
        {
            return ExitCodes.Cancelled;
        }
        catch (UsageException e)
        {
            Console.Error.WriteLine($"wanwu: {e.Message}");
            return ExitCodes.Usage;
        }
        catch (WanwuException e)
        {
            Console.Error.WriteLine($"wanwu: {e.Message}");
            return e switch
            {
                InputNotFoundException => ExitCodes.Input,
                ModelLoadException => ExitCodes.Model,
                OutputException => ExitCodes.Output,
                _ => ExitCodes.Failure,
            };
        }
    }

    /// <summary>Progress and notes go to stderr, so stdout stays for results a script may read.</summary>
    public static readonly IAnsiConsole Err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
}

/// <summary>A command line that parsed but makes no sense; exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);
