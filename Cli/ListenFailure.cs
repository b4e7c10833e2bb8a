using System.Net.Sockets;
using Microsoft.AspNetCore.Connections;
using TokenRouter.Config;

namespace TokenRouter.Cli;

/// <summary>Turns Kestrel's bind failures into one line that says what to change.</summary>
internal static class ListenFailure
{
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
                case SocketException { SocketErrorCode: SocketError.AddressNotAvailable }:
                    return $"cannot listen on {settings.Host}: it is not an address of this machine; " +
                        $"use --host 0.0.0.0 or one of its addresses (or {SettingKeys.Host} in {settings.EnvFilePath}).";
            }
        }

        return null;
    }

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
