using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using TokenRouter.Config;

namespace TokenRouter.Cli;

/// <summary>Turns failures to listen into one line that says what to change.</summary>
internal static class ListenFailure
{
    /// <summary>
    /// Tries the address before the server starts. Kestrel would report the same failure, but
    /// only after the books are opened and with a stack trace in the host's log; the probe
    /// catches the usual case cleanly, and the caller still handles the rare race.
    /// </summary>
    /// <returns>The line describing why the server could not listen, or null when the address looks free.</returns>
    public static string? Probe(RouterSettings settings)
    {
        if (settings.Port == 0 || ProbeAddress(settings.Host) is not { } address)
        {
            return null;
        }

        try
        {
            using var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            if (address.Equals(IPAddress.IPv6Any))
            {
                socket.DualMode = true;
            }

            socket.Bind(new IPEndPoint(address, settings.Port));
            return null;
        }
        catch (SocketException e)
        {
            return Describe(e, settings);
        }
    }

    /// <summary>The line for a failure to listen, or null when <paramref name="error"/> is something else.</summary>
    public static string? Describe(Exception error, RouterSettings settings)
    {
        var where = $"(or {SettingKeys.Port} in {settings.EnvFilePath})";
        foreach (var e in Chain(error))
        {
            switch (e)
            {
                case AddressInUseException:
                case SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse }:
                    return $"port {settings.Port} is already in use on {settings.Host}: stop the program using it, " +
                        $"or start TokenRouter on another port with --port {where}.";
                case SocketException { SocketErrorCode: SocketError.AccessDenied }:
                    return $"not allowed to listen on port {settings.Port} (ports below 1024 need privileges): " +
                        $"choose another port with --port {where}.";
                case SocketException { SocketErrorCode: SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain }:
                    return $"cannot listen on {settings.Host}: the name does not resolve to an address; " +
                        "use --host with an IP address, such as 0.0.0.0 or 127.0.0.1 " +
                        $"(or {SettingKeys.Host} in {settings.EnvFilePath}).";
                case SocketException { SocketErrorCode: SocketError.AddressNotAvailable }:
                    return $"cannot listen on {settings.Host}: it is not an address of this machine; " +
                        $"use --host 0.0.0.0 or one of its addresses (or {SettingKeys.Host} in {settings.EnvFilePath}).";
            }
        }

        return null;
    }

    /// <summary>The address Kestrel binds for HOST; null for a host name, which only Kestrel resolves.</summary>
    private static IPAddress? ProbeAddress(string host) => host.Trim('[', ']') switch
    {
        "localhost" => IPAddress.Loopback,
        "*" or "+" => Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any,
        var text => IPAddress.TryParse(text, out var address) ? address : null,
    };

    private static IEnumerable<Exception> Chain(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Chain))
                {
                    yield return inner;
                }
            }
        }
    }
}
