using Wanwu.Decode;

namespace Wanwu.Batching;

/// <summary>A unit of inference: decoded images, plus records of images that already failed, which travel along so no image is dropped.</summary>
internal sealed record Batch(IReadOnlyList<DecodedImage> Images, IReadOnlyList<ImageResult> Failed);
