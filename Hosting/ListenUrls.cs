using System.Net;
using System.Net.Sockets;

namespace TokenRouter.Hosting;

/// <summary>HOST and PORT as the URLs Kestrel listens on.</summary>
internal static class ListenUrls
{
    /// <summary>
    /// An IP address, "*" or "+" (every interface) and "localhost" (loopback) go to Kestrel as
    /// they are. Any other name is resolved here and its addresses are bound: Kestrel itself
    /// would listen on every interface for it, which is not what a name like "gateway.lan" asks for.
    /// </summary>
    /// <exception cref="SocketException">The name does not resolve to any address.</exception>
    public static string[] For(string host, int port, Func<string, IPAddress[]>? resolve = null)
    {
        var bare = host.Trim('[', ']');
        if (bare is "*" or "+" or "localhost" || IPAddress.TryParse(bare, out _))
        {
            return [Url(host, port)];
        }

        var addresses = (resolve ?? Dns.GetHostAddresses)(bare);
        if (addresses.Length == 0)
        {
            throw new SocketException((int)SocketError.HostNotFound);
        }

        return [.. addresses.Distinct().Select(address => Url(address.ToString(), port))];
    }

    private static string Url(string host, int port) =>
        host.Contains(':') && !host.StartsWith('[') ? $"http://[{host}]:{port}" : $"http://{host}:{port}";
}
