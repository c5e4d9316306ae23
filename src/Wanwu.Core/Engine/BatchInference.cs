using Wanwu.Decode;
using Wanwu.Models;

namespace Wanwu.Engine;

/// <summary>Runs one batch and decodes its outputs; a batch that fails is split in halves and retried, so no image is lost.</summary>
public static class BatchInference
{
    public static IReadOnlyList<ImageResult> Run(LoadedModel model, IReadOnlyList<DecodedImage> images)
    {
        try
        {
            var outputs = model.Backend.Run(images);
            return images.Select((img, i) => model.Postprocessor.Process(img, outputs, i)).ToList();
        }
        catch (Exception e) when (e is not OperationCanceledException and not ModelLoadException)
        {
            if (images.Count == 1)
                return [ImageResult.Failed(images[0].Item.Path, "inference_error", e.Message.Split('\n')[0])];
            var half = images.Count / 2;
            return [.. Run(model, images.Take(half).ToList()), .. Run(model, images.Skip(half).ToList())];
        }
    }
}
