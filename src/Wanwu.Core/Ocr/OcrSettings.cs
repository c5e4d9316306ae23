namespace Wanwu.Ocr;

/// <summary>How the OCR engine reads text; the defaults are PaddleOCR's for PP-OCRv4 (tools/infer/utility.py).</summary>
internal sealed record OcrSettings
{
    /// <summary>The detector sees the image with its longer side at most this (then both sides rounded to multiples of 32).</summary>
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
    /// <summary>Lines read with a lower score (mean probability of their characters) are dropped.</summary>
    public float DropScore { get; init; } = 0.5f;
    /// <summary>Text lines read in one call of the recogniser (they are sorted by length first, so padding stays small).</summary>
    public int RecognitionBatch { get; init; } = 6;
    /// <summary>
    /// A line image is at most this wide at the recogniser's height of 48: a longer box (a thin sliver or a whole
    /// paragraph run together) is squeezed rather than making one huge tensor.
    /// </summary>
    public int MaxLineWidth { get; init; } = 3200;
}
