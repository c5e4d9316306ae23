using System.Globalization;
using System.Security;
using System.Text;
using NetVips;

namespace Wanwu.Cli.Bench;

/// <summary>A bar chart of a bench comparison (images/s per way), drawn as SVG and rendered to PNG by libvips.</summary>
internal static class BenchPlot
{
    public static void WritePng(IReadOnlyList<BenchResult> results, string path, string title)
    {
        const int width = 760, barHeight = 56, left = 90, right = 200, top = 60;
        var height = top + results.Count * (barHeight + 18) + 40;
        var max = Math.Max(1e-9, results.Max(r => r.ImagesPerSecond));
        var baseline = results.FirstOrDefault(r => r.Way == "naive") ?? results[0];
        var colours = new Dictionary<string, string> { ["naive"] = "#b0b7c3", ["blog"] = "#e0a030", ["wanwu"] = "#2f7d5b" };
        var svg = new StringBuilder();
        svg.Append(CultureInfo.InvariantCulture, $"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' font-family='DejaVu Sans, sans-serif'>");
        svg.Append(CultureInfo.InvariantCulture, $"<rect width='{width}' height='{height}' fill='white'/>");
        svg.Append(CultureInfo.InvariantCulture, $"<text x='{left}' y='34' font-size='20' font-weight='bold'>{SecurityElement.Escape(title)}</text>");
        for (var i = 0; i < results.Count; i++)
        {
            var r = results[i];
            var y = top + i * (barHeight + 18);
            var w = (width - left - right) * r.ImagesPerSecond / max;
            var colour = colours.GetValueOrDefault(r.Way, "#4a6fa5");
            svg.Append(CultureInfo.InvariantCulture, $"<text x='{left - 10}' y='{y + barHeight / 2 + 6}' font-size='17' text-anchor='end'>{SecurityElement.Escape(r.Way)}</text>");
            svg.Append(CultureInfo.InvariantCulture, $"<rect x='{left}' y='{y}' width='{Math.Max(2, w):0.#}' height='{barHeight}' fill='{colour}'/>");
            svg.Append(CultureInfo.InvariantCulture, $"<text x='{left + Math.Max(2, w) + 8:0.#}' y='{y + barHeight / 2 + 6}' font-size='16'>{r.ImagesPerSecond:0.#} img/s  ×{r.ImagesPerSecond / baseline.ImagesPerSecond:0.0}</text>");
        }
        svg.Append(CultureInfo.InvariantCulture, $"<text x='{left}' y='{height - 14}' font-size='12' fill='#666'>images per second, higher is better; ×: speed-up over {SecurityElement.Escape(baseline.Way)}</text>");
        svg.Append("</svg>");
        using var image = Image.NewFromBuffer(Encoding.UTF8.GetBytes(svg.ToString()));
        image.WriteToFile(path);
    }
}
