using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Wanwu.Cluster;

/// <summary><c>wanwu worker</c>: an Orleans silo with a <see cref="ShardRunner"/>, and the client side the coordinator uses.</summary>
public static class WorkerSilo
{
    /// <summary>What every wanwu silo needs besides clustering (also used by the in-process test cluster).</summary>
    public static ISiloBuilder AddWanwuWorker(this ISiloBuilder silo)
    {
        silo.Services.AddSingleton<ShardRunner>();
        // A tagging silo keeps every core busy: give probes time before calling a busy silo dead.
        silo.Configure<ClusterMembershipOptions>(o => o.ProbeTimeout = TimeSpan.FromSeconds(5));
        return silo;
    }

    /// <summary>A silo with wanwu's worker; <paramref name="logLevel"/> for wanwu's own messages (a line per shard at Information), Orleans' from Warning up.</summary>
    public static IHost Build(ClusterAddress cluster, int siloPort, int gatewayPort, LogLevel logLevel = LogLevel.Information)
    {
        return Host.CreateDefaultBuilder([])
            .ConfigureLogging(l => Quiet(l, (LogLevel)Math.Max((int)logLevel, (int)LogLevel.Warning)).AddFilter("Wanwu", logLevel))
            .UseOrleans(silo =>
            {
                cluster.ConfigureSilo(silo, siloPort, gatewayPort);
                silo.AddWanwuWorker();
            })
            .Build();
    }

    /// <summary>Logs go to stderr, so stdout stays for what scripts read.</summary>
    private static ILoggingBuilder Quiet(ILoggingBuilder logging, LogLevel level)
    {
        logging.ClearProviders().AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace).SetMinimumLevel(level);
        // The watchdog measures its first interval from the process start and warns of a stall that never was.
        return logging.AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error);
    }

    /// <summary>A started client of the cluster, for the coordinator.</summary>
    public static async Task<IHost> ConnectAsync(ClusterAddress cluster, CancellationToken ct)
    {
        var host = Host.CreateDefaultBuilder([])
            .ConfigureLogging(l => Quiet(l, LogLevel.Warning))
            .UseOrleansClient(client =>
            {
                cluster.ConfigureClient(client);
                // Every call the coordinator makes is short; a silent gateway should not hold it for the default 30 s.
                client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
            })
            .Build();
        await host.StartAsync(ct);
        return host;
    }
}
