using Wanwu.Backends;
using Wanwu.Decode;

namespace Wanwu.Postprocess;

/// <summary>Turns the model's raw outputs for one image of a batch into its record.</summary>
internal interface IPostprocessor
{
    ImageResult Process(DecodedImage image, IReadOnlyList<OutputTensor> outputs, int index);
}
