using SkiaSharp;
using Wanwu.Ocr;

namespace Wanwu.Tests;

/// <summary>A line of text drawn on a photo: what it says, its font size in pixels and its turned box in photo pixels.</summary>
internal sealed record DrawnLine(string Text, string Font, float Size, float Angle, double[][] Polygon);

/// <summary>A real photo with lines of text drawn on it at known places.</summary>
internal sealed record DrawnPhoto(string Path, string Source, IReadOnlyList<DrawnLine> Lines);

/// <summary>
/// Draws Chinese and English lines on real photos with Debian's CJK fonts through SkiaSharp: several fonts, sizes,
/// colours and small rotations, colour chosen against the local background so a person could read every line.
/// </summary>
internal static class RenderedText
{
    /// <summary>Fonts the tests use, as (file, family): Debian's fonts-noto-cjk and fonts-wqy-zenhei / -microhei.</summary>
    private static readonly (string File, string Family)[] FontFiles =
    [
        ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "Noto Sans CJK SC"),
        ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc", "Noto Serif CJK SC"),
        ("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", "Noto Sans CJK SC"),
        ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", "WenQuanYi Zen Hei"),
        ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", "WenQuanYi Micro Hei"),
    ];

    /// <summary>Texts as they appear on signs, labels and captions: Chinese, English, digits and both mixed.</summary>
    public static readonly string[] Texts =
    [
        "欢迎光临", "营业时间", "禁止吸烟", "停车场入口", "新鲜水果", "今日特价", "人民医院", "注意安全", "小心地滑", "谢谢惠顾",
        "天气预报", "春节快乐", "图书馆", "咖啡店", "请勿拍照", "地铁站", "北京大学", "上海市南京路", "中国银行", "火车站",
        "出口", "电话号码", "生日快乐", "公共厕所", "美食广场", "万物识别", "长城", "西湖风景区", "学生食堂", "便利店",
        "Welcome", "OPEN", "Coffee Shop", "EXIT", "Hello World", "Station", "Fresh Bread", "Parking", "Library", "Taxi",
        "北京 Beijing", "上海 2024", "电话 010-8888", "WiFi 免费", "1号门 Gate 1", "营业 9:00-21:00", "Tel 400-800", "价格 35元",
        "福", "停", "茶",
    ];

    /// <summary>The usable fonts of <see cref="FontFiles"/> found on this machine.</summary>
    public static IReadOnlyList<(string Name, SKTypeface Typeface)> Fonts { get; } = LoadFonts();

    private static List<(string, SKTypeface)> LoadFonts()
    {
        var fonts = new List<(string, SKTypeface)>();
        foreach (var (file, family) in FontFiles)
        {
            if (!File.Exists(file)) continue;
            // A collection holds one face per region; the simplified Chinese one is wanted.
            for (var index = 0; index < 10; index++)
            {
                var face = SKTypeface.FromFile(file, index);
                if (face is null) break;
                if (face.FamilyName == family)
                {
                    fonts.Add(($"{family}{(face.IsBold ? " Bold" : "")}", face));
                    break;
                }
                face.Dispose();
            }
        }
        return fonts;
    }

    /// <summary>
    /// Draws 2 or 3 lines on <paramref name="photo"/> (sizes <paramref name="minSize"/>..<paramref name="maxSize"/> px,
    /// turned up to <paramref name="maxAngle"/>°) and saves it as a JPEG at <paramref name="output"/>.
    /// </summary>
    public static DrawnPhoto Draw(string photo, string output, Random random, float minSize = 20, float maxSize = 44, float maxAngle = 5)
    {
        using var bitmap = SKBitmap.Decode(photo) ?? throw new InvalidOperationException($"cannot decode {photo}");
        using var canvas = new SKCanvas(bitmap);
        var lines = new List<DrawnLine>();
        var taken = new List<SKRect>();
        var wanted = random.Next(2, 4);
        for (var attempt = 0; attempt < 200 && lines.Count < wanted; attempt++)
        {
            var text = Texts[random.Next(Texts.Length)];
            if (lines.Any(l => l.Text == text)) continue;
            var (fontName, typeface) = Fonts[random.Next(Fonts.Count)];
            var size = MathF.Round(minSize + (float)random.NextDouble() * (maxSize - minSize));
            var angle = (float)((random.NextDouble() * 2 - 1) * maxAngle);
            using var font = new SKFont(typeface, size) { Edging = SKFontEdging.Antialias, Subpixel = true };
            font.MeasureText(text, out var bounds);
            // Where the line goes: fully inside the photo after turning, clear of the other lines.
            var radius = MathF.Sqrt(bounds.Width * bounds.Width + bounds.Height * bounds.Height) / 2 + 4;
            if (radius * 2 > bitmap.Width - 8 || radius * 2 > bitmap.Height - 8) continue;
            var cx = radius + 4 + (float)random.NextDouble() * (bitmap.Width - 8 - 2 * radius);
            var cy = radius + 4 + (float)random.NextDouble() * (bitmap.Height - 8 - 2 * radius);
            var area = new SKRect(cx - bounds.Width / 2 - 6, cy - radius * 0.3f - bounds.Height / 2 - 6, cx + bounds.Width / 2 + 6, cy + radius * 0.3f + bounds.Height / 2 + 6);
            // Lines side by side closer than a character would be one line to any reader: keep them a character apart.
            var clear = SKRect.Inflate(area, size, size / 2);
            if (taken.Any(t => t.IntersectsWith(clear))) continue;

            var (fill, outline) = Colours(bitmap, area, random);
            lines.Add(new DrawnLine(text, fontName, size, angle, Stamp(canvas, text, typeface, size, cx, cy, angle, fill, outline)));
            taken.Add(area);
        }
        SaveJpeg(bitmap, output);
        return new DrawnPhoto(output, Path.GetFileName(photo), lines);
    }

    /// <summary>Draws <paramref name="text"/> with its tight bounds centred on (cx, cy), turned by <paramref name="angle"/>°; returns those bounds' corners.</summary>
    public static double[][] Stamp(SKCanvas canvas, string text, SKTypeface typeface, float size, float cx, float cy, float angle, SKColor fill, SKColor? outline = null)
    {
        using var font = new SKFont(typeface, size) { Edging = SKFontEdging.Antialias, Subpixel = true };
        font.MeasureText(text, out var bounds);
        var half = new SKPoint(bounds.Width / 2, bounds.Height / 2);
        canvas.Save();
        canvas.Translate(cx, cy);
        canvas.RotateDegrees(angle);
        var origin = new SKPoint(-bounds.Left - half.X, -bounds.Top - half.Y);
        if (outline is { } o)
        {
            using var stroke = new SKPaint { Color = o, IsAntialias = true, Style = SKPaintStyle.Stroke, StrokeWidth = MathF.Max(2, size / 10), StrokeJoin = SKStrokeJoin.Round };
            canvas.DrawText(text, origin.X, origin.Y, SKTextAlign.Left, font, stroke);
        }
        using (var paint = new SKPaint { Color = fill, IsAntialias = true })
            canvas.DrawText(text, origin.X, origin.Y, SKTextAlign.Left, font, paint);
        canvas.Restore();

        var radians = angle * Math.PI / 180;
        var (cos, sin) = (Math.Cos(radians), Math.Sin(radians));
        double[] Turn(double x, double y) => [cx + x * cos - y * sin, cy + x * sin + y * cos];
        return [Turn(-half.X, -half.Y), Turn(half.X, -half.Y), Turn(half.X, half.Y), Turn(-half.X, half.Y)];
    }

    /// <summary>Saves <paramref name="bitmap"/> as a JPEG of quality 92.</summary>
    public static void SaveJpeg(SKBitmap bitmap, string path)
    {
        using var data = bitmap.Encode(SKEncodedImageFormat.Jpeg, 92);
        using var stream = File.Create(path);
        data.SaveTo(stream);
    }

    /// <summary>
    /// A text colour that stands out from the mean brightness under the line: dark on bright, light on dark; on a
    /// middling or busy background (as a sign painter would) an outline of the opposite brightness, elsewhere on every
    /// other line.
    /// </summary>
    private static (SKColor Fill, SKColor? Outline) Colours(SKBitmap bitmap, SKRect area, Random random)
    {
        var luma = new List<double>();
        for (var y = (int)Math.Max(0, area.Top); y < Math.Min(bitmap.Height, area.Bottom); y += 2)
            for (var x = (int)Math.Max(0, area.Left); x < Math.Min(bitmap.Width, area.Right); x += 2)
            {
                var c = bitmap.GetPixel(x, y);
                luma.Add(0.299 * c.Red + 0.587 * c.Green + 0.114 * c.Blue);
            }
        var mean = luma.Count > 0 ? luma.Average() : 128;
        var spread = luma.Count > 0 ? Math.Sqrt(luma.Average(l => (l - mean) * (l - mean))) : 0;
        var bright = mean >= 128;
        SKColor[] dark = [SKColors.Black, new(0x8B, 0, 0), new(0, 0, 0x8B), new(0, 0x50, 0), new(0x40, 0x20, 0x60)];
        SKColor[] light = [SKColors.White, SKColors.Yellow, new(0xA0, 0xFF, 0xFF), new(0xFF, 0xC0, 0xCB), new(0xC0, 0xFF, 0x80)];
        var fill = bright ? dark[random.Next(dark.Length)] : light[random.Next(light.Length)];
        var needsOutline = mean is > 80 and < 176 || spread > 40;
        SKColor? outline = needsOutline || random.Next(2) == 0 ? (bright ? SKColors.White : SKColors.Black) : null;
        return (fill, outline);
    }

    /// <summary>Levenshtein distance of two strings, by UTF-16 unit (every text here is in the BMP).</summary>
    public static int EditDistance(string a, string b)
    {
        var row = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var diagonal = row[0];
            row[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var above = row[j];
                row[j] = Math.Min(Math.Min(row[j] + 1, row[j - 1] + 1), diagonal + (a[i - 1] == b[j - 1] ? 0 : 1));
                diagonal = above;
            }
        }
        return row[b.Length];
    }

    /// <summary>Whether <paramref name="point"/> lies in the convex <paramref name="polygon"/> grown by <paramref name="margin"/> pixels.</summary>
    public static bool Inside(double[][] polygon, double x, double y, double margin)
    {
        var n = polygon.Length;
        double orientation = 0;
        for (var i = 0; i < n; i++) orientation += polygon[i][0] * polygon[(i + 1) % n][1] - polygon[i][1] * polygon[(i + 1) % n][0];
        var sign = Math.Sign(orientation);
        for (var i = 0; i < n; i++)
        {
            var (ax, ay) = (polygon[i][0], polygon[i][1]);
            var (dx, dy) = (polygon[(i + 1) % n][0] - ax, polygon[(i + 1) % n][1] - ay);
            var length = Math.Sqrt(dx * dx + dy * dy);
            if (length == 0) continue;
            var inward = (dx * (y - ay) - dy * (x - ax)) * sign / length;
            if (inward < -margin) return false;
        }
        return true;
    }

    /// <summary>The centre of a text line's polygon.</summary>
    public static (double X, double Y) Centre(TextLine line) => (line.Polygon.Average(p => p[0]), line.Polygon.Average(p => p[1]));
}
