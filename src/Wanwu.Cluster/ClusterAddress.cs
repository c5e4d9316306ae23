using Microsoft.Extensions.Hosting;
using Orleans.Configuration;
using Orleans.Hosting;
using System.Net;

namespace Wanwu.Cluster;

/// <summary>
/// Where the cluster's membership lives, as given to <c>--cluster</c>: <c>local</c> for development clustering on
/// one machine (the first worker is the primary, on the default ports), or <c>redis://HOST:PORT</c> for Orleans'
/// Redis membership provider, which lets workers on any machine find each other.
/// </summary>
/// <param name="Redis">host:port of the Redis membership table, or null for development clustering.</param>
/// <param name="ClusterId">Workers and runs with the same id work together.</param>
/// <param name="PrimaryPort">Development clustering: the silo port of the primary (first) worker.</param>
/// <param name="GatewayPort">Development clustering: the gateway port the coordinator connects to.</param>
public sealed record ClusterAddress(string? Redis, string ClusterId, int PrimaryPort = ClusterAddress.DefaultSiloPort, int GatewayPort = ClusterAddress.DefaultGatewayPort)
{
    public const int DefaultSiloPort = 11111;
    public const int DefaultGatewayPort = 30000;

    public bool IsLocal => Redis is null;

    /// <summary>The <c>--cluster</c> text that names this address (<c>local:PRIMARY:GATEWAY</c> for other local ports).</summary>
    public override string ToString() => IsLocal ? $"local:{PrimaryPort}:{GatewayPort}" : $"redis://{Redis}";

    public static ClusterAddress Parse(string text, string clusterId = "wanwu")
    {
        if (text is "local" or "localhost") return new ClusterAddress(null, clusterId);
        var local = text.Split(':');
        if (local is ["local", var primary, var gateway] && int.TryParse(primary, out var p) && int.TryParse(gateway, out var g))
            return new ClusterAddress(null, clusterId, p, g);
        if (text.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) && text.Length > "redis://".Length)
            return new ClusterAddress(text["redis://".Length..].TrimEnd('/'), clusterId);
        throw new ArgumentException($"--cluster '{text}': give 'local' (one machine; local:PRIMARY_PORT:GATEWAY_PORT for other ports) or redis://HOST:PORT (Orleans' Redis membership)");
    }

    public void ConfigureSilo(ISiloBuilder silo, int siloPort, int gatewayPort)
    {
        silo.Configure<ClusterOptions>(Name);
        if (IsLocal)
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, new IPEndPoint(IPAddress.Loopback, PrimaryPort), ServiceId, ClusterId);
            return;
        }
        silo.UseRedisClustering(Redis!);
        silo.ConfigureEndpoints(siloPort, gatewayPort, listenOnAnyHostAddress: true);
    }

    public void ConfigureClient(IClientBuilder client)
    {
        client.Configure<ClusterOptions>(Name);
        if (IsLocal) client.UseLocalhostClustering(GatewayPort, ServiceId, ClusterId);
        else client.UseRedisClustering(Redis!);
    }

    private const string ServiceId = "wanwu";

    private void Name(ClusterOptions o)
    {
        o.ClusterId = ClusterId;
        o.ServiceId = ServiceId;
    }
}
