using Wanwu.Ocr;

namespace Wanwu.Tests;

/// <summary>The small pieces of the OCR engine that replace OpenCV and pyclipper, checked against what they must compute.</summary>
public class OcrGeometryTests
{
    private static Point2 P(double x, double y) => new(x, y);

    [Fact]
    public void Convex_hull_keeps_only_the_corners()
    {
        var points = new List<Point2>();
        for (var x = 0; x <= 10; x++)
            for (var y = 0; y <= 4; y++) points.Add(P(x, y)); // a full grid: edges are collinear runs, the rest inside
        var hull = ConvexHull.Of(points);
        Assert.Equal(4, hull.Length);
        Assert.Equal(new[] { P(0, 0), P(0, 4), P(10, 0), P(10, 4) }.OrderBy(p => p.X).ThenBy(p => p.Y), hull.OrderBy(p => p.X).ThenBy(p => p.Y));
        Assert.Single(ConvexHull.Of([P(3, 3), P(3, 3)]));
        Assert.Equal(new[] { P(0, 0), P(2, 2) }, ConvexHull.Of([P(0, 0), P(1, 1), P(2, 2)]));
    }

    [Fact]
    public void Min_area_rect_of_a_turned_rectangle_is_that_rectangle()
    {
        // The corners and edge points of a 120×30 rectangle turned 20° about (200, 100).
        var angle = 20 * Math.PI / 180;
        var axis = P(Math.Cos(angle), Math.Sin(angle));
        var normal = P(-axis.Y, axis.X);
        var points = new List<Point2>();
        for (var u = -60.0; u <= 60; u += 7.5)
            foreach (var v in new[] { -15.0, 15.0 }) points.Add(P(200, 100) + axis * u + normal * v);
        foreach (var u in new[] { -60.0, 60.0 })
            for (var v = -15.0; v <= 15; v += 5) points.Add(P(200, 100) + axis * u + normal * v);

        var rect = RotatedRect.MinArea(points);
        Assert.Equal(120 * 30, rect.Area, 1e-6);
        Assert.Equal(30, rect.ShortSide, 1e-9);
        Assert.Equal(200, rect.Center.X, 1e-9);
        Assert.Equal(100, rect.Center.Y, 1e-9);
        var corners = rect.Corners();
        // PaddleOCR's order for a box turned less than 45°: top-left, top-right, bottom-right, bottom-left.
        var expected = new[] { P(200, 100) - axis * 60 - normal * 15, P(200, 100) + axis * 60 - normal * 15, P(200, 100) + axis * 60 + normal * 15, P(200, 100) - axis * 60 + normal * 15 };
        for (var i = 0; i < 4; i++)
        {
            Assert.Equal(expected[i].X, corners[i].X, 1e-9);
            Assert.Equal(expected[i].Y, corners[i].Y, 1e-9);
        }
    }

    [Fact]
    public void Min_area_rect_matches_a_brute_force_search_over_angles_on_random_point_sets()
    {
        var random = new Random(14);
        for (var trial = 0; trial < 200; trial++)
        {
            var points = Enumerable.Range(0, random.Next(3, 40)).Select(_ => P(random.Next(0, 200), random.Next(0, 60) + random.NextDouble())).ToList();
            var rect = RotatedRect.MinArea(points);
            // Every point inside the rectangle found.
            var axis = rect.Axis;
            var normal = P(-axis.Y, axis.X);
            foreach (var p in points)
            {
                var d = p - rect.Center;
                Assert.True(Math.Abs(d.Dot(axis)) <= rect.Width / 2 + 1e-6 && Math.Abs(d.Dot(normal)) <= rect.Height / 2 + 1e-6);
            }
            // No direction in a fine sweep gives a smaller box.
            var best = double.PositiveInfinity;
            for (var deg = 0.0; deg < 180; deg += 0.05)
            {
                var a = P(Math.Cos(deg * Math.PI / 180), Math.Sin(deg * Math.PI / 180));
                var n = P(-a.Y, a.X);
                var us = points.Select(p => p.Dot(a)).ToList();
                var vs = points.Select(p => p.Dot(n)).ToList();
                best = Math.Min(best, (us.Max() - us.Min()) * (vs.Max() - vs.Min()));
            }
            Assert.True(rect.Area <= best + 1e-6, $"trial {trial}: {rect.Area} > {best}");
            Assert.True(rect.Area >= best * 0.99 - 1e-6, $"trial {trial}: {rect.Area} much below the sweep's {best}");
        }
    }

    [Fact]
    public void Min_area_rect_of_a_point_or_a_segment_is_flat()
    {
        var point = RotatedRect.MinArea([P(5, 5)]);
        Assert.Equal(0, point.Area);
        var segment = RotatedRect.MinArea([P(0, 0), P(3, 4), P(6, 8)]);
        Assert.Equal(10, Math.Max(segment.Width, segment.Height), 1e-9);
        Assert.Equal(0, segment.ShortSide, 1e-9);
        Assert.Throws<ArgumentException>(() => RotatedRect.MinArea([]));
    }

    [Fact]
    public void Unclip_grows_a_box_by_area_times_ratio_over_perimeter_and_holds_the_round_offset()
    {
        var rect = new RotatedRect(P(50, 20), P(Math.Cos(0.3), Math.Sin(0.3)), 100, 20);
        var distance = rect.UnclipDistance(1.5);
        Assert.Equal(100 * 20 * 1.5 / 240, distance, 1e-12); // 12.5
        var grown = rect.Expand(distance);
        Assert.Equal(125, grown.Width, 1e-9);
        Assert.Equal(45, grown.Height, 1e-9);
        // pyclipper's offset with round joins: every point within `distance` of the box. All of them fit the grown box,
        // and the offset reaches each of its four sides.
        var normal = P(-rect.Axis.Y, rect.Axis.X);
        var offset = new List<Point2>();
        foreach (var corner in rect.Corners())
            for (var t = 0; t < 360; t += 2) offset.Add(corner + P(Math.Cos(t * Math.PI / 180), Math.Sin(t * Math.PI / 180)) * distance);
        var us = offset.Select(p => (p - rect.Center).Dot(rect.Axis)).ToList();
        var vs = offset.Select(p => (p - rect.Center).Dot(normal)).ToList();
        // (Up to the 2° steps of the sampled arcs.)
        Assert.Equal(grown.Width, us.Max() - us.Min(), 0.01);
        Assert.Equal(grown.Height, vs.Max() - vs.Min(), 0.01);
        Assert.Equal(grown.Area, RotatedRect.MinArea(offset).Area, 1e-3 * grown.Area);
        Assert.Equal(0, new RotatedRect(P(0, 0), P(1, 0), 0, 0).UnclipDistance(1.5));
    }

    [Fact]
    public void Regions_join_runs_that_touch_at_a_corner_and_split_the_rest()
    {
        var map = Map(
            "##....#.",
            "..#...#.",
            "...#..#.",
            "........",
            "#.#.....",
            "###....#");
        var regions = TextRegions.Find(map, 8, 6, 0.5f);
        // The diagonal at the top left is one 8-connected region; the column at the right another; the U at the bottom
        // joins only through its last row; the lone pixel at the bottom right is its own.
        Assert.Equal(4, regions.Count);
        Assert.Equal(new[] { 4, 3, 5, 1 }, regions.Select(r => r.Pixels));
        Assert.Contains(P(0, 4), regions[2].Outline);
        Assert.Contains(P(2, 5), regions[2].Outline);
        Assert.Empty(TextRegions.Find(new float[12], 4, 3, 0.3f));
    }

    [Fact]
    public void Db_postprocess_gives_one_grown_box_per_confident_region()
    {
        const int w = 200, h = 100;
        var map = new float[w * h];
        Fill(map, w, 20, 30, 120, 50, 0.9f);   // a text kernel 101×21 pixels: kept
        Fill(map, w, 150, 10, 190, 20, 0.5f);  // over the binary threshold, under the box threshold: dropped
        Fill(map, w, 150, 60, 151, 61, 0.95f); // 2×2: too small
        var boxes = DbPostprocess.Boxes(map, w, h, new OcrSettings());
        var box = Assert.Single(boxes);
        Assert.Equal(0.9f, box.Score, 1e-4);
        // Pixel centres 20..120 × 30..50 span 100 × 20 (as OpenCV's contour points); unclip 1.5 adds 12.5 on each side.
        Assert.Equal(new[] { P(7.5, 17.5), P(132.5, 17.5), P(132.5, 62.5), P(7.5, 62.5) }, box.Corners.Select(c => P(Math.Round(c.X, 6), Math.Round(c.Y, 6))));
    }

    [Fact]
    public void Db_postprocess_keeps_the_best_boxes_of_ten_thousand()
    {
        const int w = 1000, h = 600;
        var map = new float[w * h];
        var random = new Random(3);
        var scores = new List<float>();
        for (var y = 0; y + 6 <= h; y += 6)
            for (var x = 0; x + 10 <= w; x += 10)
            {
                var p = 0.61f + 0.38f * (float)random.NextDouble();
                Fill(map, w, x, y, x + 7, y + 3, p);
                scores.Add(p);
            }
        Assert.Equal(10_000, scores.Count);
        var settings = new OcrSettings { MaxBoxes = 300 };
        var boxes = DbPostprocess.Boxes(map, w, h, settings);
        Assert.Equal(300, boxes.Count);
        var cut = scores.OrderByDescending(s => s).ElementAt(299);
        Assert.All(boxes, b => Assert.True(b.Score >= cut - 1e-5));
    }

    [Fact]
    public void Mean_inside_counts_the_pixels_of_a_turned_box_and_its_edges()
    {
        const int w = 40, h = 40;
        var map = new float[w * h];
        Fill(map, w, 0, 0, 19, 39, 1f); // left half 1, right half 0
        var box = new RotatedRect(P(20, 20), P(Math.Cos(0.5), Math.Sin(0.5)), 16, 16).Corners();
        Assert.Equal(0.5, DbPostprocess.MeanInside(map, w, h, box), 0.08);
        Assert.Equal(1f, DbPostprocess.MeanInside(map, w, h, [P(2, 2), P(10, 2), P(10, 2), P(2, 2)])); // a flat box: its edge pixels
        Assert.Equal(0f, DbPostprocess.MeanInside(map, w, h, [P(30, 30), P(35, 30), P(35, 35), P(30, 35)]));
    }

    [Fact]
    public void Ctc_decoding_merges_repeats_drops_blanks_and_maps_the_last_class_to_a_space()
    {
        var decoder = new CtcDecoder(["中", "文", "a"]); // classes: blank, 中, 文, a, space
        Assert.Equal(5, decoder.Classes);
        int[] best = [0, 1, 1, 0, 1, 2, 2, 4, 3, 3, 0];
        var probs = new float[best.Length * 5];
        for (var t = 0; t < best.Length; t++)
            for (var c = 0; c < 5; c++) probs[t * 5 + c] = c == best[t] ? 0.6f + 0.01f * t : (1 - (0.6f + 0.01f * t)) / 4;
        var (text, score) = decoder.Decode(probs, best.Length);
        Assert.Equal("中中文 a", text);
        // Kept steps: 1, 4, 5, 7, 8 (the first of each repeat).
        Assert.Equal(new[] { 1, 4, 5, 7, 8 }.Average(t => 0.6 + 0.01 * t), score, 1e-5);

        var blank = new float[3 * 5];
        for (var t = 0; t < 3; t++) blank[t * 5] = 1;
        Assert.Equal(("", 0f), decoder.Decode(blank, 3));
    }

    [Fact]
    public void Ctc_dictionary_keeps_a_line_that_is_a_space_and_drops_only_line_breaks()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["keys.txt"], "a\r\n \r\nb\n");
        var decoder = CtcDecoder.Load(dir["keys.txt"]);
        Assert.Equal(3 + 2, decoder.Classes);
        var probs = new float[3 * 5];
        probs[0 * 5 + 1] = 1; probs[1 * 5 + 2] = 1; probs[2 * 5 + 3] = 1;
        Assert.Equal("a b", decoder.Decode(probs, 3).Text);
        File.WriteAllText(dir["empty.txt"], "");
        Assert.Throws<ModelLoadException>(() => CtcDecoder.Load(dir["empty.txt"]));
    }

    [Fact]
    public void Reading_order_is_top_to_bottom_then_left_to_right_within_ten_pixels()
    {
        // Two lines: the first with its boxes 3..8 px apart vertically and given right to left; the second 40 px lower.
        Point2[] tops = [P(300, 108), P(20, 150), P(200, 103), P(10, 100), P(100, 105)];
        Assert.Equal(new[] { 3, 4, 2, 0, 1 }, ReadingOrder.Sort(tops));
        Assert.Empty(ReadingOrder.Sort([]));
    }

    [Fact]
    public void Homography_maps_the_rectangle_corners_onto_the_quad()
    {
        Point2[][] quads =
        [
            [P(10, 20), P(110, 30), P(105, 60), P(5, 50)],   // a parallelogram: affine
            [P(10, 20), P(110, 10), P(120, 80), P(0, 60)],   // a general quad: projective
        ];
        foreach (var quad in quads)
        {
            var map = Homography.RectToQuad(200, 48, quad);
            Point2[] rect = [P(0, 0), P(200, 0), P(200, 48), P(0, 48)];
            for (var i = 0; i < 4; i++)
            {
                var p = map.Map(rect[i].X, rect[i].Y);
                Assert.Equal(quad[i].X, p.X, 1e-9);
                Assert.Equal(quad[i].Y, p.Y, 1e-9);
            }
        }
        Assert.True(Homography.RectToQuad(200, 48, quads[0]).IsAffine);
        Assert.False(Homography.RectToQuad(200, 48, quads[1]).IsAffine);
    }

    [Fact]
    public void Warp_of_an_upright_box_is_the_crop_and_a_resize_keeps_a_flat_colour()
    {
        var source = RgbImage.Blank(50, 40);
        for (var y = 0; y < 40; y++)
            for (var x = 0; x < 50; x++)
            {
                var o = (y * 50 + x) * 3;
                (source.Pixels[o], source.Pixels[o + 1], source.Pixels[o + 2]) = ((byte)(x * 5), (byte)(y * 6), 77);
            }
        var crop = PixelSampler.Warp(source, Homography.RectToQuad(20, 10, [P(10, 5), P(30, 5), P(30, 15), P(10, 15)]), 20, 10);
        for (var y = 0; y < 10; y++)
            for (var x = 0; x < 20; x++)
                Assert.Equal(source.Pixels[((y + 5) * 50 + x + 10) * 3], crop.Pixels[(y * 20 + x) * 3]);

        var flat = RgbImage.Blank(300, 200);
        Array.Fill(flat.Pixels, (byte)123);
        var small = PixelSampler.Resize(flat, 37, 11);
        Assert.All(small.Pixels, v => Assert.Equal(123, v));
        var turned = crop.Rotated180();
        Assert.Equal(crop.Pixels[0], turned.Pixels[^3]);
        Assert.Equal(crop.Pixels[^1], turned.Pixels[2]);
    }

    [Fact]
    public void Separable_resize_takes_the_same_samples_as_the_general_warp()
    {
        var source = RgbImage.Blank(300, 200);
        new Random(5).NextBytes(source.Pixels);
        // 3 source pixels per output pixel on both axes: both take 3×3 bilinear samples per pixel.
        var fast = PixelSampler.Resize(source, 100, 67);
        var slow = PixelSampler.Warp(source, Homography.Scale(300 / 100.0, 200 / 67.0), 100, 67, 3);
        Assert.All(fast.Pixels.Zip(slow.Pixels), p => Assert.InRange(p.First - p.Second, -1, 1));
        // And a window of it, enlarged.
        var window = PixelSampler.Resize(source, 64, 64, 40.5, 30, 20, 16);
        var windowSlow = PixelSampler.Warp(source, Homography.Scale(20 / 64.0, 16 / 64.0, 40.5, 30), 64, 64);
        Assert.All(window.Pixels.Zip(windowSlow.Pixels), p => Assert.InRange(p.First - p.Second, -1, 1));
    }

    [Fact]
    public void Detector_size_enlarges_to_the_shorter_side_within_the_longer_limit_in_multiples_of_32()
    {
        Assert.Equal((960, 704), OcrEngine.DetectorSize(500, 375, 736, 960));  // ×1.92: the longer side's limit wins; 720 / 32 = 22.5 → 22 (half to even, as Python)
        Assert.Equal((960, 704), OcrEngine.DetectorSize(1280, 960, 736, 960)); // ×0.75
        Assert.Equal((736, 736), OcrEngine.DetectorSize(100, 100, 736, 960));
        Assert.Equal((960, 32), OcrEngine.DetectorSize(20000, 1, 736, 960));
        Assert.Equal((32, 960), OcrEngine.DetectorSize(1, 700, 736, 960));
        // Without enlarging: PaddleOCR's inference default (limit type max, 960).
        Assert.Equal((512, 384), OcrEngine.DetectorSize(500, 375, 0, 960));
        Assert.Equal((32, 32), OcrEngine.DetectorSize(1, 1, 0, 960));
    }

    private static float[] Map(params string[] rows) => rows.SelectMany(r => r.Select(c => c == '#' ? 1f : 0f)).ToArray();

    private static void Fill(float[] map, int width, int x0, int y0, int x1, int y1, float value)
    {
        for (var y = y0; y <= y1; y++)
            for (var x = x0; x <= x1; x++) map[y * width + x] = value;
    }
}
