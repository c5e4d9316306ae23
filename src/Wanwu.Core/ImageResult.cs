namespace Wanwu;

/// <summary>One label of an image: class index, Chinese name, English name where the model has one, probability.</summary>
public sealed record LabelScore(int Id, string Label, string? LabelEn, float Score)
{
    /// <summary>The model that gave the label (its name in <c>summary.json</c>); null in records written before wanwu named it.</summary>
    public string? Model { get; init; }
}

/// <summary>One detected object; <see cref="Box"/> is [x1, y1, x2, y2] in original-image pixels.</summary>
public sealed record DetectedObject(int Id, string Label, string? LabelEn, float Score, float[] Box)
{
    /// <summary>The model that found the object; null in records written before wanwu named it.</summary>
    public string? Model { get; init; }
}

/// <summary>One line of text read in an image (OCR, the model <c>ppocr</c>), in original-image pixels after EXIF rotation.</summary>
/// <param name="Text">What it says.</param>
/// <param name="Score">Mean probability of its characters, 0..1.</param>
/// <param name="Box">[x1, y1, x2, y2]: the axis-aligned box around <paramref name="Polygon"/>.</param>
/// <param name="Polygon">The four corners [x, y] of the (possibly turned) text box: top-left, top-right, bottom-right, bottom-left.</param>
public sealed record TextLine(string Text, float Score, float[] Box, float[][] Polygon);

/// <summary>Why an image has no labels: a short type (one of <see cref="ImageErrorTypes"/>) and a one-line message.</summary>
public sealed record ImageError(string Type, string Message);

/// <summary>The kinds of per-image error a record can carry: the one list of them.</summary>
public static class ImageErrorTypes
{
    /// <summary>The file has no bytes.</summary>
    public const string EmptyFile = "empty_file";
    /// <summary>The bytes are not an image the decoders read.</summary>
    public const string DecodeError = "decode_error";
    /// <summary>The file could not be read.</summary>
    public const string ReadError = "read_error";
    /// <summary>The header claims more pixels than allowed.</summary>
    public const string TooLarge = "too_large";
    /// <summary>The file or a link's target is missing.</summary>
    public const string NotFound = "not_found";
    /// <summary>The model failed on this image alone.</summary>
    public const string InferenceError = "inference_error";
    /// <summary>The native decoder crashed on this file (isolated runs).</summary>
    public const string DecoderCrash = "decoder_crash";
    /// <summary>Decoding took longer than the limit (isolated runs).</summary>
    public const string DecodeTimeout = "decode_timeout";

    /// <summary>
    /// Whether <c>--retry-errors</c> tries an image with this error again: the errors that depend on the moment (the
    /// file system, a crash, a timeout, the model run), not those the file's bytes decide (<see cref="EmptyFile"/>,
    /// <see cref="DecodeError"/>, <see cref="TooLarge"/>), which would come back the same; a changed file is tagged
    /// again by any run.
    /// </summary>
    internal static bool IsRetryable(string type) => type is ReadError or NotFound or InferenceError or DecoderCrash or DecodeTimeout;
}

/// <summary>The record written for every input image: the contract of results.jsonl.</summary>
/// <param name="Path">The image's path as discovered (relative to its input root, or as given).</param>
/// <param name="Labels">Best first, top-k; for a detector the best score of each class present.</param>
/// <param name="Objects">Detections, or null for a classifier.</param>
/// <param name="Error">Null, or why the image could not be processed.</param>
/// <param name="Width">Original width after EXIF rotation, when decoded.</param>
/// <param name="Height">Original height after EXIF rotation, when decoded.</param>
public sealed record ImageResult(string Path, IReadOnlyList<LabelScore> Labels, IReadOnlyList<DetectedObject>? Objects, ImageError? Error, int? Width = null, int? Height = null)
{
    /// <summary>Size of the file when it was tagged; with <see cref="FileMtimeMs"/>, what resume compares.</summary>
    public long? FileSize { get; init; }

    /// <summary>Last write time of the file when it was tagged, Unix milliseconds.</summary>
    public long? FileMtimeMs { get; init; }

    /// <summary>
    /// Hash of the file's bytes, <c>"xxh128:"</c> and 32 hex digits (XxHash128), taken as the file was read for
    /// decoding: records with equal hashes are exact duplicates. Null where the file could not be read or decoded.
    /// </summary>
    public string? Hash { get; init; }

    /// <summary>
    /// The lines of text read in the image, in reading order (top to bottom, left to right), when an OCR model ran;
    /// null when none did.
    /// </summary>
    public IReadOnlyList<TextLine>? Texts { get; init; }

    internal static ImageResult Failed(string path, string type, string message) => new(path, [], null, new ImageError(type, message));

    /// <summary>This record with every label and object naming <paramref name="model"/> as the model that gave it.</summary>
    internal ImageResult MadeBy(string model) => this with
    {
        Labels = Labels.Select(l => l with { Model = model }).ToList(),
        Objects = Objects?.Select(o => o with { Model = model }).ToList(),
    };

    /// <summary>This record with the size and time of the file it describes.</summary>
    internal ImageResult StampedWith(Sources.FileStamp stamp) => this with { FileSize = stamp.Size, FileMtimeMs = stamp.MtimeMs };

    /// <summary>This record with the size, time and content hash of the decoded image it describes.</summary>
    internal ImageResult StampedWith(Decode.DecodedImage image) => StampedWith(image.Item.Stamp) with { Hash = image.Hash };
}
