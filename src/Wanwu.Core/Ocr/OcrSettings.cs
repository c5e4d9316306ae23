namespace Wanwu.Ocr;

/// <summary>How the OCR engine reads text; the defaults are PaddleOCR's for PP-OCRv4 (tools/infer/utility.py).</summary>
internal sealed record OcrSettings
{
    /// <summary>
    /// The detector sees the image scaled so its shorter side is this (PaddleOCR's <c>DetResizeForTest</c> default,
    /// which PP-OCRv4's detector was evaluated at in training), unless that makes the longer side more than
    /// <see cref="DetectorMaxSide"/>; then both sides are rounded to multiples of 32. Small photos are so enlarged: at
    /// their own size lines 20–25 px high on busy backgrounds go unseen (docs/ocr.md). 0: never enlarge (PaddleOCR's
    /// inference default).
    /// </summary>
    public int DetectorMinSide { get; init; } = 736;
    /// <summary>The longer side of what the detector sees is at most this (PaddleOCR's <c>det_limit_side_len</c>).</summary>
    public int DetectorMaxSide { get; init; } = 960;
    /// <summary>Pixels of the probability map above this are text.</summary>
    public float BinaryThreshold { get; init; } = 0.3f;
    /// <summary>A region is a text box when the mean probability inside its rectangle is at least this.</summary>
    public float BoxThreshold { get; init; } = 0.6f;
    /// <summary>How far a box is grown back around its text kernel (see <see cref="RotatedRect.UnclipDistance"/>).</summary>
    public float UnclipRatio { get; init; } = 1.5f;
    /// <summary>At most this many boxes per image are read, the highest-scoring ones.</summary>
    public int MaxBoxes { get; init; } = 1000;
    /// <summary>A line the direction classifier calls upside down with at least this probability is also read turned half a circle.</summary>
    public float FlipThreshold { get; init; } = 0.9f;
    /// <summary>Whether to run the direction classifier at all.</summary>
    public bool ClassifyDirection { get; init; } = true;
    /// <summary>Lines read with a lower score (mean probability of their characters) are dropped (PaddleOCR's <c>drop_score</c>).</summary>
    public float DropScore { get; init; } = 0.5f;
    /// <summary>
    /// A line of one character needs at least this score. Measured (docs/ocr.md): lone characters the recogniser makes
    /// of grids, pedals and clouds (田, 日, 福) score 0.5–0.75, while real ones drawn on photos read at 0.97 or more.
    /// </summary>
    public float SingleCharacterDropScore { get; init; } = 0.8f;
    /// <summary>Text lines read in one call of the recogniser (they are sorted by length first, so padding stays small).</summary>
    public int RecognitionBatch { get; init; } = 6;
    /// <summary>
    /// A line image is at most this wide at the recogniser's height of 48: a longer box (a thin sliver or a whole
    /// paragraph run together) is squeezed rather than making one huge tensor.
    /// </summary>
    public int MaxLineWidth { get; init; } = 3200;
}
