namespace Wanwu.IO;

/// <summary>
/// A folder filled under a staging name and renamed into place at the end, so an interrupted fetch or conversion never
/// leaves half of it where a later run would take it for whole. The one place this is done.
/// </summary>
internal static class StagedFolder
{
    /// <summary>Fills <paramref name="target"/> (replacing what is there) through <paramref name="fill"/>, which gets the staging folder.</summary>
    public static string Create(string target, Action<string> fill)
    {
        var staging = target + ".partial-" + Environment.ProcessId;
        if (Directory.Exists(staging)) Directory.Delete(staging, true);
        Directory.CreateDirectory(staging);
        try
        {
            fill(staging);
            if (Directory.Exists(target)) Directory.Delete(target, true);
            Directory.Move(staging, target);
        }
        finally
        {
            if (Directory.Exists(staging)) Directory.Delete(staging, true);
        }
        return target;
    }
}
