using System.Globalization;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using TokenRouter.Bench.Upstream;

// The benchmark's fake provider: POST .../chat/completions answered from canned bytes,
// with the delay the model name asks for (see RequestShape), on 127.0.0.1 only.
if (args is not ["--port", var portText] || !int.TryParse(portText, CultureInfo.InvariantCulture, out var port))
{
    Console.Error.WriteLine("usage: bench-upstream --port N");
    return 2;
}

var builder = WebApplication.CreateSlimBuilder();
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(kestrel =>
{
    kestrel.AddServerHeader = false;
    kestrel.Limits.MinRequestBodyDataRate = null;
    kestrel.Limits.KeepAliveTimeout = TimeSpan.FromMinutes(10);
    kestrel.Listen(System.Net.IPAddress.Loopback, port, listen => listen.Protocols = HttpProtocols.Http1);
});

var app = builder.Build();
var replies = new ChatReplies();
app.Run(replies.HandleAsync);
await app.StartAsync();
Console.WriteLine($"bench-upstream listening on http://127.0.0.1:{port}");
await app.WaitForShutdownAsync();
return 0;
