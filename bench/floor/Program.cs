using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;

// A plain pass-through proxy on Kestrel and one pooled HttpClient, with none of TokenRouter's
// work (no authentication, body reading, quota, books or log lines): what any .NET proxy pays.
if (args is not ["--port", var portText, "--upstream", var upstreamText]
    || !int.TryParse(portText, CultureInfo.InvariantCulture, out var port))
{
    Console.Error.WriteLine("usage: bench-floor --port N --upstream http://127.0.0.1:M/");
    return 2;
}

var upstream = new Uri(upstreamText);
var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Listen(IPAddress.Loopback, port);
});

var provider = new HttpClient(new SocketsHttpHandler
{
    UseProxy = false,
    UseCookies = false,
    AllowAutoRedirect = false,
    AutomaticDecompression = DecompressionMethods.None,
})
{
    Timeout = Timeout.InfiniteTimeSpan,
};

var app = builder.Build();
app.Run(async context =>
{
    var incoming = context.Request;
    var body = ArrayPool<byte>.Shared.Rent(64 * 1024);
    try
    {
        var length = 0;
        int read;
        while ((read = await incoming.Body.ReadAsync(body.AsMemory(length), context.RequestAborted)) > 0)
        {
            length += read;
            if (length == body.Length)
            {
                var larger = ArrayPool<byte>.Shared.Rent(body.Length * 2);
                body.AsSpan(0, length).CopyTo(larger);
                ArrayPool<byte>.Shared.Return(body);
                body = larger;
            }
        }

        using var request = new HttpRequestMessage(new HttpMethod(incoming.Method), new Uri(upstream, incoming.Path.Value!.TrimStart('/')));
        request.Content = new ByteArrayContent(body, 0, length);
        request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(incoming.ContentType ?? "application/json");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "provider-key");

        using var response = await provider.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        context.Response.StatusCode = (int)response.StatusCode;
        context.Response.ContentType = response.Content.Headers.ContentType?.ToString();
        context.Response.ContentLength = response.Content.Headers.ContentLength;
        await using var answer = await response.Content.ReadAsStreamAsync(context.RequestAborted);
        await answer.CopyToAsync(context.Response.Body, context.RequestAborted);
    }
    finally
    {
        ArrayPool<byte>.Shared.Return(body);
    }
});

await app.StartAsync();
Console.WriteLine($"bench-floor listening on http://127.0.0.1:{port}");
await app.WaitForShutdownAsync();
return 0;
