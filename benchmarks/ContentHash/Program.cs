using System.Diagnostics;
using System.Globalization;
using System.IO.Hashing;
using Wanwu.Decode;
using Wanwu.Sources;

// usage: ContentHash FOLDER [ROUNDS]
// Each round decodes every JPEG of FOLDER once per way, on this thread, in a rotating order; the figures are medians
// over the rounds of wall and process CPU time per image. "hash alone" hashes bytes already in memory: what hashing
// adds to a decode that reads them anyway.
var files = Directory.GetFiles(args[0]).Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToArray();
var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 7;
var items = files.Select(f => new InputItem(Path.GetFileName(f), f)).ToArray();
var bytes = files.Select(File.ReadAllBytes).ToArray();
// MobileNetV2's input: 224x224, shorter side to 256, centre cut.
var spec = new PreprocessSpec(224, 224, ResizeMode.CenterCrop);
var hashing = new ImageDecoder(spec, 400_000_000, hash: true);
var plain = new ImageDecoder(spec, 400_000_000, hash: false);

var ways = new (string Name, Action Pass)[]
{
    ("decode + hash", () => { foreach (var i in items) hashing.Decode(i); }),
    ("decode, no hash", () => { foreach (var i in items) plain.Decode(i); }),
    ("hash alone", () => { foreach (var b in bytes) XxHash128.Hash(b); }),
};
foreach (var (_, pass) in ways) pass();  // warm-up: JIT, native libraries, page cache

var wall = ways.ToDictionary(w => w.Name, _ => new List<double>());
var cpu = ways.ToDictionary(w => w.Name, _ => new List<double>());
var process = Process.GetCurrentProcess();
for (var round = 0; round < rounds; round++)
{
    for (var k = 0; k < ways.Length; k++)
    {
        var (name, pass) = ways[(round + k) % ways.Length];
        GC.Collect();
        process.Refresh();
        var cpu0 = process.TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        pass();
        var seconds = clock.Elapsed.TotalSeconds;
        process.Refresh();
        wall[name].Add(seconds * 1000 / items.Length);
        cpu[name].Add((process.TotalProcessorTime - cpu0).TotalMilliseconds / items.Length);
    }
}

static double Median(List<double> xs) { var s = xs.Order().ToArray(); return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2; }
var mb = bytes.Average(b => b.Length) / 1e6;
Console.WriteLine($"{items.Length} JPEGs, mean {mb:0.000} MB, {rounds} rounds, 1 thread, {Environment.ProcessorCount} cores");
Console.WriteLine("| way | wall ms/image (median) | CPU ms/image (median) | wall min–max |");
Console.WriteLine("| --- | ---: | ---: | ---: |");
foreach (var (name, _) in ways)
    Console.WriteLine($"| {name} | {Median(wall[name]):0.000} | {Median(cpu[name]):0.000} | {wall[name].Min():0.000}–{wall[name].Max():0.000} |");
// CPU time, not wall time: on a machine that others share, waiting for a core is not the decoder's cost.
var with = Median(cpu["decode + hash"]);
var without = Median(cpu["decode, no hash"]);
var alone = Median(cpu["hash alone"]);
Console.WriteLine($"CPU: hash alone / decode + hash = {alone / with * 100:0.00} %; (with - without) / with = {(with - without) / with * 100:0.00} %; " +
    $"hash speed {mb / (Median(wall["hash alone"]) / 1000):0} MB/s");
