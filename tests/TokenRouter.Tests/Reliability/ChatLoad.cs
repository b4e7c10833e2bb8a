using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using TokenRouter.Tests.Infrastructure;

namespace TokenRouter.Tests.Reliability;

/// <summary>
/// Concurrent chat clients, every other one streaming, each sending one request after another
/// until stopped. A response counts as received only when it arrived in full: the whole JSON
/// body, or a stream up to its <c>data: [DONE]</c>. For each, the client notes the request id
/// TokenRouter answered with, which is also the id of the request's log row.
/// </summary>
internal sealed class ChatLoad : IAsyncDisposable
{
    private const int MaxFailuresKept = 20;

    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<string> _received = new();
    private readonly ConcurrentQueue<string> _failures = new();
    private readonly Task[] _clients;
    private int _sent;
    private volatile bool _serverGone;

    private ChatLoad(Uri baseUrl, string token, int clients)
    {
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = clients })
        {
            BaseAddress = baseUrl,
            Timeout = TimeSpan.FromMinutes(2),
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        _clients = Enumerable.Range(0, clients).Select(i => Task.Run(() => RunClientAsync(stream: i % 2 == 1))).ToArray();
    }

    /// <summary>Request ids of the responses received in full.</summary>
    public IReadOnlyCollection<string> Received => _received.ToArray();

    public int ReceivedCount => _received.Count;

    /// <summary>Requests sent, whether or not they were answered.</summary>
    public int Sent => Volatile.Read(ref _sent);

    /// <summary>What went wrong while the server was expected to be up (none, in a passing test).</summary>
    public IReadOnlyList<string> Failures => _failures.ToArray();

    public static ChatLoad Start(Uri baseUrl, string token, int clients) => new(baseUrl, token, clients);

    /// <summary>From now on a failed request means the server is gone: that client stops quietly.</summary>
    public void ExpectServerGone() => _serverGone = true;

    /// <summary>Waits until <paramref name="count"/> responses were received in full.</summary>
    public Task WaitForReceivedAsync(int count, TimeSpan timeout) => Eventually.UntilAsync(
        () => ReceivedCount >= count || _failures.Count > 0, $"{count} responses received in full", timeout);

    /// <summary>Stops sending and waits for every client to finish its current request.</summary>
    public async Task StopAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_clients).WaitAsync(TimeSpan.FromMinutes(2));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_clients).WaitAsync(TimeSpan.FromMinutes(2));
        }
        finally
        {
            _http.Dispose();
            _stop.Dispose();
        }
    }

    private async Task RunClientAsync(bool stream)
    {
        while (!_stop.IsCancellationRequested)
        {
            var number = Interlocked.Increment(ref _sent);
            try
            {
                _received.Enqueue(await SendAsync(stream, number, _stop.Token));
            }
            catch (Exception) when (_stop.IsCancellationRequested || _serverGone)
            {
                return;
            }
            catch (Exception e)
            {
                _failures.Enqueue($"request {number} (stream {stream}): {e.GetType().Name}: {e.Message}");
                if (_failures.Count >= MaxFailuresKept)
                {
                    return;
                }
            }
        }
    }

    private async Task<string> SendAsync(bool stream, int number, CancellationToken cancellationToken)
    {
        var json = new JsonObject
        {
            ["model"] = "gpt-4o-mini",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = $"Request {number}" }),
            ["stream"] = stream,
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions")
        {
            Content = new StringContent(json.ToJsonString(), Encoding.UTF8, "application/json"),
        };
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var error = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new InvalidOperationException($"status {(int)response.StatusCode}: {error}");
        }

        var requestId = response.Headers.GetValues("x-request-id").Single();
        if (!stream)
        {
            var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            return body?["choices"] is JsonArray ? requestId : throw new InvalidDataException("A body without choices.");
        }

        await using var events = await response.Content.ReadAsStreamAsync(cancellationToken);
        var reader = new SseReader(events);
        while (await reader.ReadEventAsync(cancellationToken) is { } next)
        {
            if (next.IsDone)
            {
                return requestId;
            }
        }

        throw new IOException("The stream ended without [DONE].");
    }
}
