using System.CommandLine;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;
using Wanwu.Cluster;
using Microsoft.Extensions.DependencyInjection;

namespace Wanwu.Cli.Commands;

/// <summary><c>wanwu worker --cluster X</c>: joins this machine to a tagging cluster until stopped (Ctrl-C or SIGTERM).</summary>
public static class WorkerCommand
{
    public static readonly Option<string> ClusterId = new("--cluster-id") { Description = "Name of the cluster; workers and runs with the same name work together", DefaultValueFactory = _ => "wanwu" };

    public static Command Create()
    {
        var cluster = new Option<string>("--cluster") { Description = "local (one machine; local:PRIMARY_PORT:GATEWAY_PORT for other ports) or redis://HOST:PORT (Orleans' Redis membership)", Required = true };
        var siloPort = new Option<int>("--silo-port") { Description = "Port for silo-to-silo traffic", DefaultValueFactory = _ => ClusterAddress.DefaultSiloPort };
        var gatewayPort = new Option<int>("--gateway-port") { Description = "Port coordinators connect to", DefaultValueFactory = _ => ClusterAddress.DefaultGatewayPort };
        var logLevel = new Option<Microsoft.Extensions.Logging.LogLevel>("--log-level") { Description = "Least severe log messages shown (Information shows every shard)", DefaultValueFactory = _ => Microsoft.Extensions.Logging.LogLevel.Information };
        var command = new Command("worker", "Run a tagging worker (an Orleans silo) that takes shards from 'wanwu tag --cluster'")
        {
            cluster, ClusterId, siloPort, gatewayPort, logLevel,
        };
        command.SetAction(async (parse, ct) =>
        {
            var address = Parse(parse.GetValue(cluster)!, parse.GetValue(ClusterId)!);
            using var host = WorkerSilo.Build(address, parse.GetValue(siloPort), parse.GetValue(gatewayPort), parse.GetValue(logLevel));
            await host.StartAsync(ct);
            var silo = host.Services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
            Console.WriteLine($"worker ready: silo {silo}, cluster {address.ClusterId}");
            try { await Task.Delay(Timeout.Infinite, ct); }
            catch (OperationCanceledException) { }
            await host.StopAsync(CancellationToken.None);
            return ExitCodes.Ok;
        });
        return command;
    }

    public static ClusterAddress Parse(string text, string clusterId)
    {
        try { return ClusterAddress.Parse(text, clusterId); }
        catch (ArgumentException e) { throw new UsageException(e.Message); }
    }
}
