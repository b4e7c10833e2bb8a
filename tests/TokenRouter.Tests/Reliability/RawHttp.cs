using System.Net;
using System.Net.Sockets;
using System.Text;

namespace TokenRouter.Tests.Reliability;

/// <summary>
/// HTTP/1.1 by hand over a socket, for requests no HTTP client library would send: null bytes
/// and backslashes in the path, invalid UTF-8 in headers, conflicting framing. One connection
/// per request; the request should carry <c>Connection: close</c>, and the answer is read to
/// the end of the connection.
/// </summary>
internal static class RawHttp
{
    /// <param name="source">The loopback address to send from (all of 127.0.0.0/8 is this machine).</param>
    public static async Task<RawResponse> SendAsync(int port, byte[] request, TimeSpan timeout, IPAddress? source = null)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(source ?? IPAddress.Loopback, 0));
        using var limit = new CancellationTokenSource(timeout);
        await socket.ConnectAsync(IPAddress.Loopback, port, limit.Token);
        var sendError = (SocketError?)null;
        try
        {
            await socket.SendAsync(request, SocketFlags.None, limit.Token);
        }
        catch (SocketException e)
        {
            // The server may answer and close before it has read everything (e.g. 431).
            sendError = e.SocketErrorCode;
        }

        var received = new MemoryStream();
        var buffer = new byte[16 * 1024];
        var reset = false;
        try
        {
            int read;
            while ((read = await socket.ReceiveAsync(buffer, SocketFlags.None, limit.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (SocketException)
        {
            reset = true;
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No complete answer within {timeout.TotalSeconds} s ({received.Length} bytes so far).");
        }

        return RawResponse.Parse(received.ToArray(), reset || sendError is not null);
    }
}

/// <summary>What came back: a parsed response, or nothing when the connection ended without one.</summary>
internal sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body, bool Reset)
{
    /// <summary>True when no status line arrived at all.</summary>
    public bool Nothing => Status == 0;

    public string BodyText => Encoding.UTF8.GetString(Body);

    public string? Header(string name) => Headers.GetValueOrDefault(name);

    public static RawResponse Parse(byte[] bytes, bool reset)
    {
        // Interim answers (100 Continue) come before the real one.
        while (bytes.AsSpan().StartsWith("HTTP/1.1 1"u8) && bytes.AsSpan().IndexOf("\r\n\r\n"u8) is var interim and >= 0)
        {
            bytes = bytes[(interim + 4)..];
        }

        var end = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
        if (end < 0)
        {
            return new RawResponse(0, new Dictionary<string, string>(), bytes, reset);
        }

        var head = Encoding.Latin1.GetString(bytes, 0, end).Split("\r\n");
        var statusParts = head[0].Split(' ', 3);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in head.Skip(1))
        {
            var colon = line.IndexOf(':');
            if (colon > 0)
            {
                var name = line[..colon].Trim();
                var value = line[(colon + 1)..].Trim();
                headers[name] = headers.TryGetValue(name, out var earlier) ? earlier + ", " + value : value;
            }
        }

        var body = bytes[(end + 4)..];
        if (headers.GetValueOrDefault("Transfer-Encoding")?.Contains("chunked", StringComparison.OrdinalIgnoreCase) == true)
        {
            body = Dechunk(body);
        }
        else if (long.TryParse(headers.GetValueOrDefault("Content-Length"), out var length) && length < body.Length)
        {
            body = body[..(int)length];
        }

        var status = statusParts.Length > 1 && int.TryParse(statusParts[1], out var code) ? code : 0;
        return new RawResponse(status, headers, body, reset);
    }

    private static byte[] Dechunk(byte[] chunked)
    {
        var body = new MemoryStream();
        var at = 0;
        while (at < chunked.Length)
        {
            var lineEnd = chunked.AsSpan(at).IndexOf("\r\n"u8);
            if (lineEnd < 0)
            {
                break;
            }

            var sizeText = Encoding.ASCII.GetString(chunked, at, lineEnd).Split(';')[0].Trim();
            if (!int.TryParse(sizeText, System.Globalization.NumberStyles.HexNumber, null, out var size) || size == 0)
            {
                break;
            }

            at += lineEnd + 2;
            body.Write(chunked, at, Math.Min(size, chunked.Length - at));
            at += size + 2;
        }

        return body.ToArray();
    }
}
