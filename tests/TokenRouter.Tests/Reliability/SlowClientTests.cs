using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using TokenRouter.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TokenRouter.Tests.Reliability;

/// <summary>
/// Issue 6, slow clients: a body that trickles in is cut off by Kestrel's minimum data rate
/// (240 bytes/s after a 10 s grace, set in Hosting) instead of holding a connection and a
/// request slot for as long as the client likes.
/// </summary>
public sealed class SlowClientTests(ITestOutputHelper output)
{
    [Fact]
    public async Task BodyAtOneBytePerSecond_IsCutOffWithAnOpenAI408_NeverForwarded_NothingCharged()
    {
        await using var env = await RouterFixture.StartAsync();
        var router = env.Router;
        var team = await router.CreateTeamDirectAsync("slow", 1_000_000);
        var body = Encoding.UTF8.GetBytes("""{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello, slowly"}]}""");
        var head = Encoding.ASCII.GetBytes(
            "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n" +
            $"Authorization: Bearer {team.Token}\r\nContent-Type: application/json\r\n" +
            $"Content-Length: {body.Length}\r\nConnection: close\r\n\r\n");

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, new Uri(router.BaseUrl).Port);
        await socket.SendAsync(head, SocketFlags.None);
        var watch = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var trickle = Task.Run(async () =>
        {
            // One byte a second: the whole body would take minutes.
            foreach (var b in body)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), stop.Token);
                await socket.SendAsync(new[] { b }, SocketFlags.None, stop.Token);
            }
        });

        var received = new MemoryStream();
        var buffer = new byte[4096];
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(90)))
        {
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
                // Closed hard after the answer: what arrived is what counts.
            }
        }

        var cutAfter = watch.Elapsed;
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<Exception>(() => trickle);
        output.WriteLine($"cut off after {cutAfter.TotalSeconds:0.0} s");

        var response = RawResponse.Parse(received.ToArray(), reset: false);
        Assert.Equal(408, response.Status);
        var error = JsonDocument.Parse(response.Body).RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.True(cutAfter < TimeSpan.FromSeconds(60), $"The slow body held the connection for {cutAfter}.");
        Assert.True(cutAfter < TimeSpan.FromSeconds(body.Length), "The whole body arrived; nothing was cut off.");
        Assert.Empty(env.Upstream.Requests);

        var row = Assert.Single(await router.WaitForLogRowsAsync(team.Id, 1));
        Assert.Equal((408, 0L), (row.Status, row.TotalTokens));
        Assert.Equal(0, router.UsedTokens(team.Id));
    }
}
