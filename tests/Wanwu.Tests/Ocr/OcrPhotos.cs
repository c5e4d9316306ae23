using NetVips;
using Wanwu.Decode;
using Wanwu.Sources;

namespace Wanwu.Tests;

/// <summary>The shared photos as the OCR tests use them, and decoding for OCR.</summary>
internal static class OcrPhotos
{
    /// <summary>
    /// Shared photos that show real text, found by looking at every one of them: watermarks, captions, labels, signs,
    /// jersey numbers, keys, displays. The others show no text, so whatever OCR reads there is wrong.
    /// </summary>
    public static readonly IReadOnlySet<string> WithText = new HashSet<string>
    {
        "n01770081_harvestman", "n01795545_black_grouse", "n02090721_Irish_wolfhound", "n02128925_jaguar", "n02493509_titi",
        "n02669723_academic_gown", "n02787622_banjo", "n02802426_basketball", "n02823428_beer_bottle", "n02860847_bobsled",
        "n02977058_cash_machine", "n03095699_container_ship", "n03131574_crib", "n03196217_digital_clock",
        "n03240683_drilling_platform", "n03297495_espresso_maker", "n03379051_football_helmet", "n03424325_gasmask",
        "n03485407_hand-held_computer", "n03642806_laptop", "n03759954_microphone", "n03791053_motor_scooter",
        "n03868242_oxcart", "n03887697_paper_towel", "n03937543_pill_bottle", "n04033995_quilt", "n04204238_shopping_basket",
        "n04243546_slot", "n04264628_space_bar", "n04310018_steam_locomotive", "n04336792_stretcher", "n04367480_swab",
        "n04443257_tobacco_shop", "n04562935_water_tower", "n06874185_traffic_light",
    };

    /// <summary>The shared photos without text, by name.</summary>
    public static IReadOnlyList<string> WithoutText() =>
        Directory.GetFiles(TestPaths.Photos).Where(p => !WithText.Contains(Path.GetFileNameWithoutExtension(p))).OrderBy(p => p, StringComparer.Ordinal).ToList();

    /// <summary>
    /// Decodes <paramref name="path"/> with its longer side at most <paramref name="maxSide"/>, never enlarged
    /// (<paramref name="enlarge"/> false) or always brought to it (letterbox), through wanwu's decoder.
    /// </summary>
    public static DecodedImage Decode(string path, int maxSide, bool enlarge)
    {
        int w, h;
        using (var header = Image.NewFromFile(path, access: Enums.Access.Sequential))
        {
            (w, h) = (header.Width, header.Height);
            if (header.GetTypeOf("orientation") != 0 && header.Get("orientation") is int o && o >= 5) (w, h) = (h, w);
        }
        var scale = enlarge ? (double)maxSide / Math.Max(w, h) : Math.Min(1, (double)maxSide / Math.Max(w, h));
        var spec = enlarge
            ? new PreprocessSpec(maxSide, maxSide, ResizeMode.Letterbox)
            : new PreprocessSpec(Math.Max(1, (int)Math.Round(w * scale)), Math.Max(1, (int)Math.Round(h * scale)), ResizeMode.Letterbox);
        return new ImageDecoder(spec, 200_000_000).Decode(new InputItem(path, path, default));
    }
}
