namespace Wanwu.Engine;

/// <summary>The counts summary.json gives over a set of records: totals, failures by type, images per top label, exact duplicates.</summary>
internal sealed record ResultTally(long Total, long Failed, IReadOnlyDictionary<string, long> TopLabels, IReadOnlyDictionary<string, long> Errors, DuplicateCounts Duplicates)
{
    public static ResultTally Of(IEnumerable<ImageResult> records)
    {
        long total = 0, failed = 0;
        var topLabels = new Dictionary<string, long>();
        var errors = new Dictionary<string, long>();
        var duplicates = new DuplicateCounts.Counter();
        foreach (var r in records)
        {
            total++;
            duplicates.Add(r.Hash);
            if (r.Error is { } e) { failed++; errors[e.Type] = errors.GetValueOrDefault(e.Type) + 1; }
            else if (r.Labels.Count > 0) topLabels[r.Labels[0].Label] = topLabels.GetValueOrDefault(r.Labels[0].Label) + 1;
        }
        return new ResultTally(total, failed,
            topLabels.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(50).ToDictionary(),
            errors.OrderByDescending(kv => kv.Value).ToDictionary(), duplicates.Result());
    }
}
