using Wanwu.Models;

namespace Wanwu.Tests;

/// <summary>A model card's output section is parsed once into typed heads checked against the session's outputs.</summary>
public class OutputHeadTests
{
    private static readonly string[] SsdOutputs = ["scores", "boxes", "anchors"];

    [Fact]
    public void Named_outputs_become_their_positions_in_the_session()
    {
        var head = OutputHead.Parse(new OutputCard { Kind = "ssd-anchors", Scores = "scores", Boxes = "boxes", Anchors = "anchors", BackgroundClass = 0 }, SsdOutputs.Reverse().ToList(), zeroShot: false);
        Assert.Equal(new SsdOutput(2, 1, 0, 0, new DetectorThresholds(null, null)), head);
    }

    [Fact]
    public void A_misspelt_output_name_is_a_load_error_that_lists_the_real_outputs()
    {
        var e = Assert.Throws<ModelLoadException>(() => OutputHead.Parse(new OutputCard { Kind = "ssd-anchors", Scores = "score", Boxes = "boxes", Anchors = "anchors" }, SsdOutputs, zeroShot: false));
        Assert.Contains("'score'", e.Message);
        Assert.Contains("'scores', 'boxes', 'anchors'", e.Message);
    }

    [Fact]
    public void An_unnamed_output_takes_its_documented_position_only_where_the_model_has_it()
    {
        Assert.Equal(new ClassifierOutput(0, ScoreKind.Logits), OutputHead.Parse(new OutputCard { Kind = "logits" }, ["logits"], zeroShot: false));
        Assert.Throws<ModelLoadException>(() => OutputHead.Parse(new OutputCard { Kind = "centernet" }, ["heatmap"], zeroShot: false));
    }

    [Fact]
    public void Unknown_kinds_and_layouts_are_refused()
    {
        Assert.Throws<ModelLoadException>(() => OutputHead.Parse(new OutputCard { Kind = "softmax" }, ["p"], zeroShot: false));
        Assert.Throws<ModelLoadException>(() => OutputHead.Parse(new OutputCard { Kind = "yolo", Layout = "sideways" }, ["p"], zeroShot: false));
    }

    [Fact]
    public void A_detector_card_can_state_its_measured_score_threshold()
    {
        var head = (DetectorOutput)OutputHead.Parse(new OutputCard { Kind = "centernet", ScoreThreshold = 0.3f, LabelScoreThreshold = 0.15f }, ["heatmap", "sizes"], zeroShot: false);
        Assert.Equal(new DetectorThresholds(0.3f, 0.15f), head.Defaults);
    }
}

/// <summary>Saved formats carry a version and a newer one is refused knowingly, not misread.</summary>
public class FormatVersionTests
{
    [Fact]
    public void A_card_wanwu_writes_carries_its_format_and_a_newer_card_is_refused()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir["wanwu.json"], new ModelCard { Task = "classify" }.ToJson());
        Assert.Contains("\"format\": 1", File.ReadAllText(dir["wanwu.json"]));
        Assert.Equal(1, ModelCard.Load(dir["wanwu.json"]).Format);
        File.WriteAllText(dir["wanwu.json"], """{ "format": 2, "task": "classify" }""");
        Assert.Contains("newer than this wanwu reads", Assert.Throws<ModelLoadException>(() => ModelCard.Load(dir["wanwu.json"])).Message);
    }

    [Fact]
    public void Every_record_carries_its_format_and_a_newer_record_is_refused()
    {
        var record = new ImageResult("a.jpg", [], null, null);
        var json = System.Text.Encoding.UTF8.GetString(Sinks.ResultJson.ToUtf8(record));
        Assert.Contains("\"v\":1", json);
        Assert.NotNull(Sinks.ResultJson.TryRead(System.Text.Encoding.UTF8.GetBytes(json)));
        var newer = json.Replace("\"v\":1", "\"v\":2");
        using var doc = System.Text.Json.JsonDocument.Parse(newer);
        Assert.Throws<OutputException>(() => Sinks.ResultJson.Read(doc.RootElement));
    }
}
