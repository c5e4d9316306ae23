using NetVips;
using Wanwu.Sources;

namespace Wanwu.Cli.Bench;

/// <summary>Makes a benchmark set like shop uploads: real photos resized to a fixed size (1920×1080) and saved as JPEG.</summary>
internal static class PhotoSet
{
    public static int Make(IReadOnlyList<string> inputs, string outputDir, int width, int height, int quality, int copies)
    {
        Directory.CreateDirectory(outputDir);
        var sources = ImageSources.Enumerate(inputs).ToList();
        var written = 0;
        foreach (var item in sources)
        {
            try
            {
                using var image = Image.Thumbnail(item.FullPath, width, height: height, size: Enums.Size.Force);
                using var rgb = image.Bands > 3 ? image.ExtractBand(0, n: 3) : image.Copy();
                var buffer = rgb.JpegsaveBuffer(q: quality, optimizeCoding: true);
                var stem = Path.GetFileNameWithoutExtension(item.Path.Replace('/', '_'));
                for (var c = 0; c < copies; c++)
                {
                    File.WriteAllBytes(Path.Combine(outputDir, copies == 1 ? $"{stem}.jpg" : $"{stem}_{c:D3}.jpg"), buffer);
                    written++;
                }
            }
            catch (VipsException)
            {
                // Unreadable sources are simply not part of the set.
            }
        }
        return written;
    }
}
