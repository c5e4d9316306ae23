namespace Wanwu.Ocr;

/// <summary>
/// The connected regions of a thresholded probability map (8-connected, as OpenCV traces contours), found from runs of
/// set pixels in each row joined with the overlapping or touching runs of the row above.
/// </summary>
internal static class TextRegions
{
    /// <summary>One region: the first and last pixel of each of its runs (all its convex hull needs) and its size.</summary>
    public sealed class Region
    {
        public List<Point2> Outline { get; } = [];
        public int Pixels { get; set; }
    }

    /// <summary>The regions where <paramref name="map"/> (row-major, <paramref name="width"/> wide) is above <paramref name="threshold"/>.</summary>
    public static List<Region> Find(ReadOnlySpan<float> map, int width, int height, float threshold)
    {
        if (map.Length < width * height) throw new ArgumentException("the map is smaller than its size", nameof(map));
        var starts = new List<int>();
        var ends = new List<int>();
        var rows = new List<int>();
        var parent = new List<int>();
        var previous = (Begin: 0, End: 0);
        for (var y = 0; y < height; y++)
        {
            var begin = starts.Count;
            var line = map.Slice(y * width, width);
            for (var x = 0; x < width; x++)
            {
                if (!(line[x] > threshold)) continue;
                var start = x;
                while (x + 1 < width && line[x + 1] > threshold) x++;
                starts.Add(start);
                ends.Add(x);
                rows.Add(y);
                parent.Add(parent.Count);
            }
            // Runs of both rows are sorted by x: walk them together; runs touch when they overlap or meet at a corner.
            var p = previous.Begin;
            for (var r = begin; r < starts.Count; r++)
            {
                while (p < previous.End && ends[p] < starts[r] - 1) p++;
                for (var q = p; q < previous.End && starts[q] <= ends[r] + 1; q++) Union(parent, r, q);
            }
            previous = (begin, starts.Count);
        }

        var byRoot = new Dictionary<int, Region>();
        for (var r = 0; r < starts.Count; r++)
        {
            var root = Find(parent, r);
            if (!byRoot.TryGetValue(root, out var region)) byRoot[root] = region = new Region();
            region.Outline.Add(new Point2(starts[r], rows[r]));
            if (ends[r] != starts[r]) region.Outline.Add(new Point2(ends[r], rows[r]));
            region.Pixels += ends[r] - starts[r] + 1;
        }
        // In order of each region's first run: top to bottom, as the map was read.
        return byRoot.OrderBy(kv => kv.Key).Select(kv => kv.Value).ToList();
    }

    private static int Find(List<int> parent, int i)
    {
        while (parent[i] != i)
        {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }

    private static void Union(List<int> parent, int a, int b)
    {
        var (ra, rb) = (Find(parent, a), Find(parent, b));
        if (ra != rb) parent[Math.Max(ra, rb)] = Math.Min(ra, rb);
    }
}
