using System.CommandLine;
using Wanwu.Cli;
using Wanwu.Cli.Commands;

CudaLibraryPath.EnsureOrRestart();

var root = new RootCommand("wanwu (万物): tag large sets of images with Chinese labels, fast.")
{
    TagCommand.Create(),
    ModelsCommand.Create(),
    DemoCommand.Create(),
    ReportCommand.Create(),
    DevicesCommand.Create(),
    BenchCommand.Create(),
    BenchCommand.CreateChild(),
    WorkerCommand.Create(),
};
return await Cli.InvokeAsync(root, args);
