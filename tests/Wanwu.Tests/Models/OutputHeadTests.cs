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
