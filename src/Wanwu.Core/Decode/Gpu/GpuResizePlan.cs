namespace Wanwu.Decode.Gpu;

/// <summary>
/// How one decoded image becomes its slot of the model's input on the GPU: resized to the <see cref="Placement"/> every
/// decoder uses, then cut (centre crop) or padded (letterbox) to the canvas, so the geometry reported for mapping boxes
/// back is the CPU path's own.
/// </summary>
/// <param name="SourceWidth">Decoded (stored, upright) width.</param>
/// <param name="SourceHeight">Decoded height.</param>
/// <param name="Place">Resized size and where it lands on the canvas.</param>
/// <param name="CanvasWidth">Model input width.</param>
/// <param name="CanvasHeight">Model input height.</param>
/// <param name="PadValue">Grey level around a letterboxed image.</param>
internal readonly record struct GpuResizePlan(int SourceWidth, int SourceHeight, Placement Place, int CanvasWidth, int CanvasHeight, byte PadValue)
{
    /// <summary>Maps model pixels back to original pixels, as <see cref="DecodedImage.Geometry"/>.</summary>
    public Geometry Geometry => Place.Geometry(SourceWidth, SourceHeight);

    /// <summary>Canvas pixels the resized image does not cover, to be filled with <see cref="PadValue"/>.</summary>
    public bool Pads => Place.X > 0 || Place.Y > 0 || Place.X + Place.Width < CanvasWidth || Place.Y + Place.Height < CanvasHeight;

    /// <summary>The part of the resized image that lands on the canvas: its offset in the resized image, its place on the canvas, its size.</summary>
    public (int FromX, int FromY, int ToX, int ToY, int Width, int Height) Window
    {
        get
        {
            var (fromX, fromY) = (Math.Max(0, -Place.X), Math.Max(0, -Place.Y));
            var (toX, toY) = (Math.Max(0, Place.X), Math.Max(0, Place.Y));
            return (fromX, fromY, toX, toY, Math.Min(Place.Width - fromX, CanvasWidth - toX), Math.Min(Place.Height - fromY, CanvasHeight - toY));
        }
    }

    /// <summary>True when the whole resized image lands on the canvas, so it can be resized straight into its slot.</summary>
    public bool FitsCanvas => Window is { FromX: 0, FromY: 0 } w && w.Width == Place.Width && w.Height == Place.Height;

    /// <summary>True when the decoded image already has the resized size: a copy, no resampling.</summary>
    public bool SameSize => Place.Width == SourceWidth && Place.Height == SourceHeight;

    /// <summary>
    /// NPP's filter: supersampling (an area average, close to the CPU path's DCT scaling then cubic) when both axes
    /// shrink, which is the rule on this path; linear where one axis keeps its size (supersampling is for shrinking only).
    /// </summary>
    public int Interpolation => Place.Width < SourceWidth && Place.Height < SourceHeight ? CudaConst.InterSuper : CudaConst.InterLinear;
}
