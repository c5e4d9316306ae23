using Wanwu.Backends;
using Wanwu.Decode;
using Wanwu.Models;

namespace Wanwu.Ocr;

/// <summary>
/// Reads the text in an image with PaddleOCR's PP-OCRv4 networks, the way PaddleOCR's <c>TextSystem</c> does: detect
/// text boxes, cut each out as an upright line, check its direction, recognise, drop lines read with little confidence.
/// Where it differs from PaddleOCR, and why, is in docs/ocr.md. Safe to call from several threads (ONNX Runtime
/// sessions are; everything else is per call).
/// </summary>
internal sealed class OcrEngine : IDisposable
{
    /// <summary>
    /// The longer side to decode images at for OCR, shrinking larger ones and leaving smaller ones as they are: the
    /// detector brings what it sees to its own size (<see cref="OcrSettings.DetectorMinSide"/>), while lines are cut
    /// from the image as given, so a little more than the detector's 960 keeps small text readable.
    /// </summary>
    public const int InputMaxSide = 1280;

    /// <summary>Height of a line image for the classifier and the recogniser.</summary>
    public const int LineHeight = 48;

    /// <summary>Width of the classifier's input (PaddleOCR's <c>cls_image_shape</c> 3,48,192).</summary>
    private const int ClassifierWidth = 192;

    /// <summary>A batch of lines is at least this wide (PaddleOCR's <c>rec_image_shape</c> 3,48,320).</summary>
    private const int MinLineBatchWidth = 320;

    /// <summary>A box this much taller than wide holds vertical text: it is read turned a quarter (PaddleOCR: 1.5).</summary>
    private const double VerticalAspect = 1.5;

    // PaddleOCR reads images with OpenCV, in B, G, R order, and normalises them with ImageNet's R, G, B statistics in
    // that order; the networks were trained so, and are fed so.
    private static readonly float[] DetectorMean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] DetectorStd = [0.229f, 0.224f, 0.225f];

    private readonly OcrNetwork _detector;
    private readonly OcrNetwork? _classifier;
    private readonly OcrNetwork _recognizer;
    private readonly CtcDecoder _decoder;

    public OcrSettings Settings { get; }

    private OcrEngine(OcrNetwork detector, OcrNetwork? classifier, OcrNetwork recognizer, CtcDecoder decoder, OcrSettings settings)
    {
        (_detector, _classifier, _recognizer, _decoder, Settings) = (detector, classifier, recognizer, decoder, settings);
    }

    /// <summary>Opens the networks of a <c>ppocr</c> model folder (see <see cref="PpOcrModel"/>).</summary>
    public static OcrEngine Open(string modelDir, OcrSettings? settings = null, int intraOpThreads = 0, DeviceSpec device = default)
    {
        settings ??= new OcrSettings();
        var decoder = CtcDecoder.Load(Required(modelDir, PpOcrModel.Dictionary));
        var opened = new List<IDisposable>();
        try
        {
            OcrNetwork Open(string file)
            {
                var network = OcrNetwork.Open(Required(modelDir, file), intraOpThreads, device);
                opened.Add(network);
                return network;
            }
            var detector = Open(PpOcrModel.Detector);
            var classifier = settings.ClassifyDirection ? Open(PpOcrModel.Classifier) : null;
            var recognizer = Open(PpOcrModel.Recognizer);
            return new OcrEngine(detector, classifier, recognizer, decoder, settings);
        }
        catch
        {
            foreach (var n in opened) n.Dispose();
            throw;
        }
    }

    private static string Required(string dir, string file)
    {
        var path = Path.Combine(dir, file);
        return File.Exists(path) ? path : throw new ModelLoadException($"the OCR model folder '{dir}' lacks {file}; fetch it again (wanwu models fetch {PpOcrModel.Name})");
    }

    /// <summary>Reads a decoded image; the lines come back in its original pixels. Letterbox padding is not looked at.</summary>
    public IReadOnlyList<TextLine> Read(DecodedImage image) =>
        Read(new RgbImage(image.Pixels, image.Width, image.Height), image.OriginalWidth, image.OriginalHeight, image.Geometry);

    /// <summary>Reads an image that is its own original.</summary>
    public IReadOnlyList<TextLine> Read(RgbImage image) => Read(image, image.Width, image.Height, new Geometry(1, 1, 0, 0));

    /// <summary>
    /// Reads <paramref name="image"/>, which shows an <paramref name="originalWidth"/>×<paramref name="originalHeight"/>
    /// original placed by <paramref name="geometry"/> (image = original × scale + offset); lines in reading order.
    /// </summary>
    public IReadOnlyList<TextLine> Read(RgbImage image, int originalWidth, int originalHeight, Geometry geometry)
    {
        if (image.Pixels.Length < (long)image.Width * image.Height * 3)
            throw new ArgumentException($"{image.Width}x{image.Height} RGB needs {(long)image.Width * image.Height * 3} bytes, got {image.Pixels.Length}", nameof(image));
        if (image.Width <= 0 || image.Height <= 0 || originalWidth <= 0 || originalHeight <= 0) return [];
        // The part of the image that shows the original (letterbox padding and centre crops leave less or more).
        var x0 = Math.Clamp(geometry.OffsetX, 0, image.Width);
        var y0 = Math.Clamp(geometry.OffsetY, 0, image.Height);
        var x1 = Math.Clamp(geometry.OffsetX + originalWidth * geometry.ScaleX, 0, image.Width);
        var y1 = Math.Clamp(geometry.OffsetY + originalHeight * geometry.ScaleY, 0, image.Height);
        if (x1 - x0 < 1 || y1 - y0 < 1) return [];

        var boxes = Detect(image, x0, y0, x1 - x0, y1 - y0);
        if (boxes.Count == 0) return [];

        var original = boxes.Select(b => b.Corners.Select(p => new Point2(
            Math.Clamp(geometry.ToOriginalX(p.X), 0, originalWidth),
            Math.Clamp(geometry.ToOriginalY(p.Y), 0, originalHeight))).ToArray()).ToList();
        var order = ReadingOrder.Sort(original.Select(q => q[0]).ToList());

        var lines = new List<(int Box, RgbImage Line)>();
        foreach (var i in order)
            if (CutLine(image, boxes[i].Corners) is { } line) lines.Add((i, line));
        if (lines.Count == 0) return [];

        var images = lines.Select(l => l.Line).ToList();
        // The classifier is sometimes sure of a turn that is not there (seen: an upright line of dark blue on sand), so a
        // line it would turn is read both ways and keeps the reading with the higher score; only those lines cost twice.
        var turned = _classifier is null ? [] : UpsideDown(images);
        var read = Recognize([.. images, .. turned.Select(i => images[i].Rotated180())]);
        for (var t = 0; t < turned.Count; t++)
            if (read[lines.Count + t].Score > read[turned[t]].Score) read[turned[t]] = read[lines.Count + t];

        var result = new List<TextLine>();
        for (var k = 0; k < lines.Count; k++)
        {
            var (text, score) = read[k];
            text = text.Trim();
            if (text.Length == 0 || score < Settings.DropScore) continue;
            if (score < Settings.SingleCharacterDropScore && System.Globalization.StringInfo.ParseCombiningCharacters(text).Length == 1) continue;
            result.Add(ToLine(text, score, original[lines[k].Box]));
        }
        return result;
    }

    /// <summary>Text boxes in image pixels, from the window (x, y, w, h) of <paramref name="image"/>.</summary>
    private List<DbPostprocess.Box> Detect(RgbImage image, double x, double y, double w, double h)
    {
        var (width, height) = DetectorSize(w, h, Settings.DetectorMinSide, Settings.DetectorMaxSide);
        var resized = PixelSampler.Resize(image, width, height, x, y, w, h);
        var plane = width * height;
        var input = new float[3 * plane];
        var px = resized.Pixels;
        for (var i = 0; i < plane; i++)
        {
            // Channel 0 is blue (see DetectorMean).
            input[i] = (px[i * 3 + 2] / 255f - DetectorMean[0]) / DetectorStd[0];
            input[plane + i] = (px[i * 3 + 1] / 255f - DetectorMean[1]) / DetectorStd[1];
            input[2 * plane + i] = (px[i * 3] / 255f - DetectorMean[2]) / DetectorStd[2];
        }
        var (map, shape) = _detector.Run(input, 1, 3, height, width);
        if (shape is not [1, 1, var mh, var mw] || mh != height || mw != width)
            throw new ModelLoadException($"the OCR detector returned a map of shape [{string.Join(",", shape)}] for an input of {width}x{height}; expected [1,1,{height},{width}]");
        var boxes = DbPostprocess.Boxes(map, width, height, Settings);
        // Map pixels → image pixels, kept inside the window.
        return boxes.Select(b => b with
        {
            Corners = b.Corners.Select(p => new Point2(
                Math.Clamp(x + p.X / width * w, x, x + w),
                Math.Clamp(y + p.Y / height * h, y, y + h))).ToArray(),
        }).ToList();
    }

    /// <summary>
    /// What the detector sees of a <paramref name="width"/>×<paramref name="height"/> image (see
    /// <see cref="OcrSettings.DetectorMinSide"/>): scaled by the smaller of minSide / shorter side and maxSide / longer
    /// side (no enlarging when <paramref name="minSide"/> is 0), then each side rounded to a multiple of 32, at least 32,
    /// as PaddleOCR's <c>DetResizeForTest</c> rounds.
    /// </summary>
    public static (int Width, int Height) DetectorSize(double width, double height, int minSide, int maxSide)
    {
        var enlarge = minSide > 0 ? minSide / Math.Min(width, height) : 1;
        var ratio = Math.Min(Math.Max(1, enlarge), maxSide / Math.Max(width, height));
        static int Round32(double side) => Math.Max((int)(Math.Round((int)side / 32.0) * 32), 32);
        return (Round32(width * ratio), Round32(height * ratio));
    }

    /// <summary>
    /// The box cut out as an upright line <see cref="LineHeight"/> pixels high, its width following the box's aspect
    /// (PaddleOCR's <c>get_rotate_crop_image</c> then the recogniser's resize, in one resampling); a box much taller
    /// than wide is vertical text and turned a quarter first. Null for a box without area.
    /// </summary>
    public RgbImage? CutLine(RgbImage image, Point2[] corners)
    {
        var quad = corners;
        var width = Math.Max(Point2.Distance(quad[0], quad[1]), Point2.Distance(quad[2], quad[3]));
        var height = Math.Max(Point2.Distance(quad[0], quad[3]), Point2.Distance(quad[1], quad[2]));
        if (width < 1 || height < 1 || !double.IsFinite(width + height)) return null;
        if (height / width >= VerticalAspect)
        {
            // np.rot90: a quarter turn counter-clockwise, the top-right corner becomes the top-left.
            quad = [quad[1], quad[2], quad[3], quad[0]];
            (width, height) = (height, width);
        }
        var lineWidth = LineWidth(width / height);
        var map = Homography.RectToQuad(lineWidth, LineHeight, quad);
        var k = PixelSampler.Supersampling(Math.Max(height / LineHeight, width / lineWidth));
        return PixelSampler.Warp(image, map, lineWidth, LineHeight, k);
    }

    /// <summary>A line's width at <see cref="LineHeight"/> for its aspect ratio, rounded up, at most <see cref="OcrSettings.MaxLineWidth"/>.</summary>
    private int LineWidth(double aspect) => (int)Math.Clamp(Math.Ceiling(LineHeight * aspect), 1, Settings.MaxLineWidth);

    /// <summary>The lines the direction classifier finds upside down (PaddleOCR's <c>TextClassifier</c>), by index.</summary>
    private List<int> UpsideDown(IReadOnlyList<RgbImage> lines)
    {
        var result = new List<int>();
        foreach (var batch in Batches(lines))
        {
            var input = new float[batch.Length * 3 * LineHeight * ClassifierWidth];
            for (var b = 0; b < batch.Length; b++)
            {
                var line = lines[batch[b]];
                // Wider lines are squeezed to the classifier's width, narrower ones padded.
                if (line.Width > ClassifierWidth) line = PixelSampler.Resize(line, ClassifierWidth, LineHeight);
                Normalize(line, input.AsSpan(b * 3 * LineHeight * ClassifierWidth), ClassifierWidth);
            }
            var (probs, shape) = _classifier!.Run(input, batch.Length, 3, LineHeight, ClassifierWidth);
            if (shape is not [_, 2]) throw new ModelLoadException($"the OCR direction classifier returned shape [{string.Join(",", shape)}]; expected [N,2] (0°, 180°)");
            for (var b = 0; b < batch.Length; b++)
            {
                var upsideDown = probs[b * 2 + 1];
                if (upsideDown > probs[b * 2] && upsideDown >= Settings.FlipThreshold) result.Add(batch[b]);
            }
        }
        result.Sort();
        return result;
    }

    /// <summary>Each line's text and score, in the order given.</summary>
    private (string Text, float Score)[] Recognize(IReadOnlyList<RgbImage> lines)
    {
        var result = new (string, float)[lines.Count];
        foreach (var batch in Batches(lines))
        {
            var width = Math.Max(MinLineBatchWidth, batch.Max(i => lines[i].Width));
            var per = 3 * LineHeight * width;
            var input = new float[batch.Length * per];
            for (var b = 0; b < batch.Length; b++) Normalize(lines[batch[b]], input.AsSpan(b * per, per), width);
            var (probs, shape) = _recognizer.Run(input, batch.Length, 3, LineHeight, width);
            if (shape is not [_, var steps, var classes] || classes != _decoder.Classes)
                throw new ModelLoadException($"the OCR recogniser returned shape [{string.Join(",", shape)}]; its dictionary needs [N,T,{_decoder.Classes}]");
            for (var b = 0; b < batch.Length; b++)
                result[batch[b]] = _decoder.Decode(probs.AsSpan(b * steps * classes, steps * classes), steps);
        }
        return result;
    }

    /// <summary>Line indices in batches of <see cref="OcrSettings.RecognitionBatch"/>, sorted by width so a batch pads little.</summary>
    private IEnumerable<int[]> Batches(IReadOnlyList<RgbImage> lines) =>
        Enumerable.Range(0, lines.Count).OrderBy(i => lines[i].Width).Chunk(Math.Max(1, Settings.RecognitionBatch));

    /// <summary>
    /// Writes <paramref name="line"/> into a [3, height, <paramref name="width"/>] plane set as (v / 255 − 0.5) / 0.5 in
    /// B, G, R order, left-aligned; the rest stays 0, PaddleOCR's padding.
    /// </summary>
    private static void Normalize(RgbImage line, Span<float> dest, int width)
    {
        var plane = LineHeight * width;
        var px = line.Pixels;
        var w = Math.Min(line.Width, width);
        for (var y = 0; y < LineHeight; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var s = (y * line.Width + x) * 3;
                var d = y * width + x;
                dest[d] = px[s + 2] / 127.5f - 1;
                dest[plane + d] = px[s + 1] / 127.5f - 1;
                dest[2 * plane + d] = px[s] / 127.5f - 1;
            }
        }
    }

    private static TextLine ToLine(string text, float score, Point2[] polygon)
    {
        static float R(double v) => (float)Math.Round(v, 1);
        return new TextLine(text, (float)Math.Round(score, 4),
            [R(polygon.Min(p => p.X)), R(polygon.Min(p => p.Y)), R(polygon.Max(p => p.X)), R(polygon.Max(p => p.Y))],
            polygon.Select(p => new[] { R(p.X), R(p.Y) }).ToArray());
    }

    public void Dispose()
    {
        _detector.Dispose();
        _classifier?.Dispose();
        _recognizer.Dispose();
    }
}
