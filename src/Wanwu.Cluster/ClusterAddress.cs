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
public sealed record ClusterAddress(string? Redis, string ClusterId)
{
    public const int DefaultSiloPort = 11111;
    public const int DefaultGatewayPort = 30000;

    public bool IsLocal => Redis is null;

    public static ClusterAddress Parse(string text, string clusterId = "wanwu")
    {
        if (text is "local" or "localhost") return new ClusterAddress(null, clusterId);
        if (text.StartsWith("redis://", StringComparison.OrdinalIgnoreCase) && text.Length > "redis://".Length)
            return new ClusterAddress(text["redis://".Length..].TrimEnd('/'), clusterId);
        throw new ArgumentException($"--cluster '{text}': give 'local' (one machine) or redis://HOST:PORT (Orleans' Redis membership)");
    }

    public void ConfigureSilo(ISiloBuilder silo, int siloPort, int gatewayPort)
    {
        silo.Configure<ClusterOptions>(Name);
        if (IsLocal)
        {
            silo.UseLocalhostClustering(siloPort, gatewayPort, new IPEndPoint(IPAddress.Loopback, DefaultSiloPort), ServiceId, ClusterId);
            return;
        }
        silo.UseRedisClustering(Redis!);
        silo.ConfigureEndpoints(siloPort, gatewayPort, listenOnAnyHostAddress: true);
    }

    public void ConfigureClient(IClientBuilder client)
    {
        client.Configure<ClusterOptions>(Name);
        if (IsLocal) client.UseLocalhostClustering(DefaultGatewayPort, ServiceId, ClusterId);
        else client.UseRedisClustering(Redis!);
    }

    private const string ServiceId = "wanwu";

    private void Name(ClusterOptions o)
    {
        o.ClusterId = ClusterId;
        o.ServiceId = ServiceId;
    }
}
