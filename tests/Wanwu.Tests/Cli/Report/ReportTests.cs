using System.Text;
using Microsoft.Playwright;
using Wanwu.Engine;
using Wanwu.Cli.Report;
using Wanwu.Sinks;

namespace Wanwu.Tests;

/// <summary>The review gallery, driven end to end in a real headless Chromium (Debian's package) through Playwright.</summary>
public class ReportTests
{
    private const string Chromium = "/usr/bin/chromium";

    /// <summary>A report opened in headless Chromium, ready (its data loaded); disposing closes the browser.</summary>
    private sealed class ReportPage(IPlaywright playwright, IBrowser browser, IPage page) : IAsyncDisposable
    {
        public IPage Page => page;

        public static async Task<ReportPage> OpenAsync(string outDir, BrowserNewPageOptions? options = null)
        {
            Assert.SkipUnless(File.Exists(Chromium), "Debian's chromium is not installed (scripts/test.sh installs it with apt-get)");
            var playwright = await Playwright.CreateAsync();
            var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = Chromium,
                Headless = true,
                Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
            });
            var report = new ReportPage(playwright, browser, await browser.NewPageAsync(options));
            try
            {
                await report.Page.GotoAsync(new Uri(Path.Combine(outDir, "report.html")).AbsoluteUri);
                await report.Page.WaitForSelectorAsync("body[data-ready='true']");
                return report;
            }
            catch
            {
                await report.DisposeAsync();
                throw;
            }
        }

        public async ValueTask DisposeAsync()
        {
            await browser.DisposeAsync();
            playwright.Dispose();
        }
    }

    [Fact]
    public async Task The_gallery_filters_searches_sorts_draws_boxes_and_lists_failures()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["in"]);
        foreach (var p in TestPaths.SomePhotos(100)) File.Copy(p, dir["in/" + Path.GetFileName(p)]);
        File.WriteAllText(dir["in/broken.jpg"], "<html>not a photo</html>");
        await TaggingEngine.RunAsync(ModelTestKit.Run([dir["in"]], dir["out"], new ModelOptions { Model = TestPaths.SsdCoco }), ct: TestContext.Current.CancellationToken);
        var r = CliProcess.Run("report", dir["out"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Equal(100, Directory.GetFiles(dir["out/thumbs"]).Length);

        await using var report = await ReportPage.OpenAsync(dir["out"], new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
        var page = report.Page;
        Assert.Equal("101", await page.GetAttributeAsync("body", "data-matches"));
        Assert.Equal(60, await page.Locator("article.card").CountAsync());
        Assert.Equal("1 / 2", await page.TextContentAsync("#page"));

        // Filter by a label: only photos whose labels include 斑马 (zebra).
        await page.SelectOptionAsync("#label", "斑马");
        var zebraCards = page.Locator("article.card");
        var paths = new List<string?>();
        for (var i = 0; i < await zebraCards.CountAsync(); i++)
        {
            paths.Add(await zebraCards.Nth(i).GetAttributeAsync("data-path"));
            Assert.Contains("斑马", await zebraCards.Nth(i).TextContentAsync());
        }
        Assert.Contains("n02391049_zebra.JPEG", paths);
        Assert.True(paths.Count < 101);
        Assert.True(await page.Locator("article.card svg rect").CountAsync() >= 1, "detections are drawn as boxes");

        // Failures are listed with their error.
        await page.SelectOptionAsync("#label", "__failed");
        Assert.Equal(1, await page.Locator("article.card.failed").CountAsync());
        Assert.Contains("decode_error", await page.TextContentAsync("article.card.failed"));

        // Free-text search over paths and labels.
        await page.SelectOptionAsync("#label", "");
        await page.FillAsync("#search", "flamingo");
        await page.WaitForFunctionAsync("document.body.dataset.matches === '1'");
        Assert.Equal("n02007558_flamingo.JPEG", await page.Locator("article.card").First.GetAttributeAsync("data-path"));

        // Sorting: highest confidence first puts the most certain image on top, lowest first the least certain.
        await page.FillAsync("#search", "");
        await page.WaitForFunctionAsync("document.body.dataset.matches === '101'");
        await page.SelectOptionAsync("#sort", "high");
        var high = await page.Locator("article.card .score").First.TextContentAsync();
        await page.SelectOptionAsync("#sort", "low");
        var lowFirst = await page.Locator("article.card").First.GetAttributeAsync("class");
        Assert.True(double.Parse(high!, System.Globalization.CultureInfo.InvariantCulture) > 0.8);
        Assert.DoesNotContain("failed", await page.Locator("article.card").Nth(60 - 1).GetAttributeAsync("class"));
        Assert.NotNull(lowFirst);

        await page.SelectOptionAsync("#sort", "high");
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = dir["report.png"] });
        Assert.True(new FileInfo(dir["report.png"]).Length > 10_000);
        if (Environment.GetEnvironmentVariable("WANWU_DOCS_SCREENSHOT") is { Length: > 0 } docs) File.Copy(dir["report.png"], docs, true);
    }

    [Fact]
    public async Task Exact_duplicates_are_filtered_and_shown_group_by_group()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["out"]);
        // A journal as a run writes it: x three times, y twice, the rest unique, a failure without a hash.
        string Hash(char c) => "xxh128:" + new string(c, 32);
        var hashes = new[] { Hash('1'), Hash('a'), Hash('2'), Hash('a'), Hash('3'), Hash('b'), Hash('a'), Hash('b') };
        var lines = hashes.Select((h, i) => $"{{\"path\":\"p{i}.jpg\",\"labels\":[{{\"id\":1,\"label\":\"杯子\",\"label_en\":\"cup\",\"score\":0.5}}],\"hash\":\"{h}\",\"error\":null}}")
            .Append("{\"path\":\"bad.jpg\",\"labels\":[],\"error\":{\"type\":\"decode_error\",\"message\":\"x\"}}");
        File.WriteAllLines(dir["out/" + OutputFolder.ResultsFile], lines);
        ReportWriter.Write(dir["out"]);

        await using var report = await ReportPage.OpenAsync(dir["out"]);
        var page = report.Page;
        Assert.Contains("5 张 in 2 组", await page.TextContentAsync("#label option[value='__duplicates']"));
        await page.SelectOptionAsync("#label", "__duplicates");
        Assert.Equal("5", await page.GetAttributeAsync("body", "data-matches"));
        var cards = page.Locator("article.card");
        var shown = new List<(string?, string?)>();
        for (var i = 0; i < await cards.CountAsync(); i++)
            shown.Add((await cards.Nth(i).GetAttributeAsync("data-hash"), await cards.Nth(i).GetAttributeAsync("data-path")));
        Assert.Equal([(Hash('a'), "p1.jpg"), (Hash('a'), "p3.jpg"), (Hash('a'), "p6.jpg"), (Hash('b'), "p5.jpg"), (Hash('b'), "p7.jpg")], shown);
        Assert.Contains("×3", await cards.Nth(0).TextContentAsync());
        Assert.Contains("×2", await cards.Nth(4).TextContentAsync());
        await page.SelectOptionAsync("#label", "");
        // Among all records, only the copies are marked: the three unique ones and the failure are not.
        Assert.Equal(4, await page.Locator("article.card:not(:has(.dup))").CountAsync());
    }

    [Fact]
    public async Task The_text_read_in_photos_is_shown_and_found_by_the_search()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["out"]);
        static string Text(string text, int y) => $"{{\"text\":\"{text}\",\"score\":0.97,\"box\":[10,{y},90,{y + 20}],\"polygon\":[[10,{y}],[90,{y}],[90,{y + 20}],[10,{y + 20}]]}}";
        string[] lines =
        [
            $"{{\"path\":\"tea.jpg\",\"width\":100,\"height\":100,\"labels\":[{{\"id\":1,\"label\":\"瓶子\",\"label_en\":\"bottle\",\"score\":0.5,\"model\":\"coco-centernet\"}}],\"texts\":[{Text("西湖龙井", 10)},{Text("买一送一", 50)}],\"error\":null}}",
            $"{{\"path\":\"beer.jpg\",\"width\":100,\"height\":100,\"labels\":[],\"texts\":[{Text("STAROPRAMEN", 10)}],\"error\":null}}",
            "{\"path\":\"plain.jpg\",\"width\":100,\"height\":100,\"labels\":[],\"texts\":[],\"error\":null}",
        ];
        File.WriteAllLines(dir["out/" + OutputFolder.ResultsFile], lines);
        ReportWriter.Write(dir["out"]);

        await using var report = await ReportPage.OpenAsync(dir["out"]);
        var page = report.Page;
        Assert.Equal("3", await page.GetAttributeAsync("body", "data-matches"));
        Assert.Equal("文字西湖龙井买一送一", await page.TextContentAsync("article.card[data-path='tea.jpg'] .texts"));
        Assert.Equal(0, await page.Locator("article.card[data-path='plain.jpg'] .texts").CountAsync());
        // A filter for the photos with any text.
        Assert.Contains("(2)", await page.TextContentAsync("#label option[value='__texts']"));
        await page.SelectOptionAsync("#label", "__texts");
        await page.WaitForFunctionAsync("document.body.dataset.matches === '2'");
        await page.SelectOptionAsync("#label", "");

        async Task<string?> Found(string query)
        {
            await page.FillAsync("#search", "");
            await page.WaitForFunctionAsync("document.body.dataset.matches === '3'");
            await page.FillAsync("#search", query);
            await page.WaitForFunctionAsync("document.body.dataset.matches === '1'");
            return await page.Locator("article.card").First.GetAttributeAsync("data-path");
        }
        Assert.Equal("tea.jpg", await Found("龙井"));
        Assert.Equal("tea.jpg", await Found("买一送一"));
        Assert.Equal("beer.jpg", await Found("staropramen"));
    }

    [Fact]
    public async Task Fifty_thousand_records_render_one_page_at_a_time()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir["out"]);
        // A synthetic journal: the page must cope with the size, thumbnails are beside the point here.
        var labels = new[] { ("杯子", "cup"), ("手提包", "handbag"), ("笔记本电脑", "laptop"), ("瓶子", "bottle") };
        var sb = new StringBuilder();
        for (var i = 0; i < 50_000; i++)
        {
            var (zh, en) = labels[i % labels.Length];
            var score = (i % 1000) / 1000.0;
            sb.Append($"{{\"path\":\"shop/{i:D6}.jpg\",\"labels\":[{{\"id\":{i % 4},\"label\":\"{zh}\",\"label_en\":\"{en}\",\"score\":{score.ToString(System.Globalization.CultureInfo.InvariantCulture)}}}],\"error\":null}}\n");
        }
        File.WriteAllText(dir["out/" + OutputFolder.ResultsFile], sb.ToString());
        ReportWriter.Write(dir["out"]);

        await using var report = await ReportPage.OpenAsync(dir["out"]);
        var page = report.Page;
        Assert.Equal("50000", await page.GetAttributeAsync("body", "data-matches"));
        Assert.Equal(60, await page.Locator("article.card").CountAsync());
        await page.SelectOptionAsync("#label", "笔记本电脑");
        Assert.Equal("12500", await page.GetAttributeAsync("body", "data-matches"));
        Assert.Equal("0.00", await page.Locator("article.card .score").First.TextContentAsync());
        await page.ClickAsync("#next");
        Assert.Equal("2 / 209", await page.TextContentAsync("#page"));
    }
}
