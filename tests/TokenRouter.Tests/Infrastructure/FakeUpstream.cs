using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace TokenRouter.Tests.Infrastructure;

/// <summary>
/// An OpenAI-compatible provider for tests: a real Kestrel server on 127.0.0.1 (a free port)
/// that records every request it receives and answers as scripted per path, or like OpenAI
/// when nothing is scripted. Configure the router with <see cref="BaseUrl"/> (…/v1/).
/// </summary>
/// <remarks>
/// Unscripted, it serves under <c>/v1</c>: <c>POST chat/completions</c>, <c>completions</c>
/// (JSON, or SSE ending in <c>data: [DONE]</c>, with the usage chunk only when the request
/// asks for <c>stream_options.include_usage</c>), <c>embeddings</c> (floats or base64),
/// <c>responses</c> (JSON, or named SSE events ending in <c>response.completed</c> with
/// usage), <c>moderations</c>, <c>images/generations</c>, <c>audio/speech</c> (binary
/// <see cref="SpeechBytes"/>), <c>audio/transcriptions</c> (multipart in), and
/// <c>GET models</c>, <c>GET models/{id}</c>. Anything else is OpenAI's 404.
/// </remarks>
public sealed class FakeUpstream : IAsyncDisposable
{
    /// <summary>How long a scripted reset waits for the bytes written before it to leave.</summary>
    private static readonly TimeSpan DrainBeforeReset = TimeSpan.FromMilliseconds(250);

    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, FakeRoute> _routes = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly CancellationTokenSource _stopping = new();
    private int _sequence;
    private int _openConnections;
    private int _totalConnections;
    private int _activeRequests;

    private FakeUpstream()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = typeof(FakeUpstream).Assembly.GetName().Name,
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.Logging.ClearProviders();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(5));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Use(next => async connection =>
            {
                Interlocked.Increment(ref _totalConnections);
                Interlocked.Increment(ref _openConnections);
                try
                {
                    await next(connection);
                }
                finally
                {
                    Interlocked.Decrement(ref _openConnections);
                }
            }));
        });

        _app = builder.Build();
        _app.Run(HandleAsync);
    }

    /// <summary>The bytes of every default <c>/v1/audio/speech</c> answer.</summary>
    public static byte[] SpeechBytes => DefaultAnswers.SpeechBytes.ToArray();

    /// <summary>The server root, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri Origin { get; private set; } = null!;

    /// <summary>The API root to configure as PROVIDER_BASE_URL, e.g. <c>http://127.0.0.1:41234/v1/</c>.</summary>
    public Uri BaseUrl => new(Origin, "v1/");

    /// <summary>What unscripted answers say (usage, chunks, models), from the next request on.</summary>
    public FakeUpstreamDefaults Defaults { get; private set; } = new();

    /// <summary>
    /// When set, a request without <c>Authorization: Bearer KEY</c> gets OpenAI's 401
    /// (<c>invalid_api_key</c>) before any script runs.
    /// </summary>
    public string? RequiredApiKey { get; set; }

    /// <summary>Every request received so far, in arrival order (a snapshot).</summary>
    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>The most recent request; throws when there was none.</summary>
    public RecordedRequest LastRequest => Requests.LastOrDefault()
        ?? throw new InvalidOperationException("The fake upstream has received no request.");

    /// <summary>TCP connections open right now (pooled keep-alive connections count).</summary>
    public int OpenConnections => Volatile.Read(ref _openConnections);

    /// <summary>TCP connections accepted since start.</summary>
    public int TotalConnections => Volatile.Read(ref _totalConnections);

    /// <summary>Requests whose answer is still being written.</summary>
    public int ActiveRequests => Volatile.Read(ref _activeRequests);

    public static async Task<FakeUpstream> StartAsync(CancellationToken cancellationToken = default)
    {
        var upstream = new FakeUpstream();
        await upstream._app.StartAsync(cancellationToken);
        var address = upstream._app.Services.GetRequiredService<IServer>().Features
            .GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        upstream.Origin = new Uri(address.TrimEnd('/') + "/");
        return upstream;
    }

    /// <summary>The requests to one path, named as for <see cref="On"/>.</summary>
    public IReadOnlyList<RecordedRequest> RequestsTo(string path)
    {
        var key = NormalizeRoute(path);
        return Requests.Where(r => RouteKey(r.Path) == key).ToList();
    }

    /// <summary>
    /// The script of one path below /v1, named <c>"chat/completions"</c>, <c>"/v1/chat/completions"</c>
    /// or <c>"models/x"</c>.
    /// </summary>
    public FakeRoute On(string path) => _routes.GetOrAdd(NormalizeRoute(path), key => new FakeRoute(key));

    /// <summary>A script for every path, used when the path's own script has nothing to say.</summary>
    public FakeRoute OnAny() => _routes.GetOrAdd("*", key => new FakeRoute(key));

    /// <summary>Forgets requests and scripts and restores the defaults; keeps <see cref="RequiredApiKey"/>.</summary>
    public void Reset()
    {
        _routes.Clear();
        Defaults = new FakeUpstreamDefaults();
        lock (_gate)
        {
            _requests.Clear();
        }
    }

    /// <summary>Waits for a request that matches (any request when <paramref name="match"/> is null).</summary>
    public Task<RecordedRequest> WaitForRequestAsync(
        Func<RecordedRequest, bool>? match = null, TimeSpan? timeout = null) =>
        Eventually.ValueAsync(
            () => Requests.FirstOrDefault(r => match?.Invoke(r) ?? true),
            "a matching request at the fake upstream",
            timeout);

    /// <summary>Waits until at least <paramref name="count"/> requests have arrived.</summary>
    public Task WaitForRequestCountAsync(int count, TimeSpan? timeout = null) =>
        Eventually.UntilAsync(() => Requests.Count >= count, $"{count} requests at the fake upstream", timeout);

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _app.StopAsync();
        await _app.DisposeAsync();
        _stopping.Dispose();
    }

    /// <summary>A path's route: <c>/v1/chat/completions</c> → <c>/chat/completions</c>; null outside /v1.</summary>
    internal static string? RouteKey(string path) =>
        path.StartsWith("/v1/", StringComparison.Ordinal) ? path[3..] : null;

    private static string NormalizeRoute(string path)
    {
        var key = "/" + path.Trim().TrimStart('/');
        return key.StartsWith("/v1/", StringComparison.Ordinal) ? key[3..] : key;
    }

    private async Task HandleAsync(HttpContext context)
    {
        Interlocked.Increment(ref _activeRequests);
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(
            context.RequestAborted, _stopping.Token);
        var record = await RecordAsync(context, cancel.Token);
        try
        {
            using var aborted = context.RequestAborted.Register(
                static r => ((RecordedRequest)r!).MarkClientAborted(), record);
            var response = Choose(record).Resolve(record, Defaults);
            await AnswerAsync(context, record, response, cancel.Token);
        }
        catch (Exception) when (cancel.IsCancellationRequested)
        {
            // The client went away (recorded above), the script reset the connection, or the
            // server is stopping: in each case there is no one left to answer.
        }
        finally
        {
            record.MarkFinished(DateTimeOffset.UtcNow);
            Interlocked.Decrement(ref _activeRequests);
        }
    }

    private async Task<RecordedRequest> RecordAsync(HttpContext context, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var receivedAt = DateTimeOffset.UtcNow;
        var body = new MemoryStream();
        var complete = true;
        try
        {
            await request.Body.CopyToAsync(body, cancellationToken);
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            complete = false;
        }

        var headers = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
        foreach (var (name, values) in request.Headers)
        {
            headers[name] = values;
        }

        var record = new RecordedRequest(
            Interlocked.Increment(ref _sequence),
            request.Method,
            request.Path.Value ?? "/",
            request.QueryString.Value ?? "",
            headers,
            body.ToArray(),
            receivedAt);
        if (complete && request.HasFormContentType)
        {
            await ReadFormAsync(context, record, cancellationToken);
        }

        lock (_gate)
        {
            _requests.Add(record);
        }

        return record;
    }

    /// <summary>Parses a form body from the recorded bytes, so the raw bytes stay exactly as sent.</summary>
    private static async Task ReadFormAsync(
        HttpContext context, RecordedRequest record, CancellationToken cancellationToken)
    {
        context.Request.Body = new MemoryStream(record.Body);
        try
        {
            var form = await context.Request.ReadFormAsync(cancellationToken);
            record.FormFields = form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal);
            var files = new List<RecordedFile>();
            foreach (var file in form.Files)
            {
                using var content = new MemoryStream();
                await file.CopyToAsync(content, cancellationToken);
                files.Add(new RecordedFile(file.Name, file.FileName, file.ContentType, content.ToArray()));
            }

            record.FormFiles = files;
        }
        catch (InvalidDataException)
        {
            // A malformed form is recorded as raw bytes only; the default answer reports it.
        }
    }

    private FakeResponse Choose(RecordedRequest record)
    {
        if (RequiredApiKey is { } apiKey && record.Header("Authorization") != "Bearer " + apiKey)
        {
            return FakeResponse.Error(
                401,
                "Incorrect API key provided.",
                "invalid_request_error",
                "invalid_api_key");
        }

        var route = RouteKey(record.Path) is { } routeKey ? _routes.GetValueOrDefault(routeKey) : null;
        return route?.Next() ?? _routes.GetValueOrDefault("*")?.Next() ?? FakeResponse.Default;
    }

    private static async Task AnswerAsync(
        HttpContext context, RecordedRequest record, FakeResponse response, CancellationToken cancellationToken)
    {
        if (response.DelayBeforeHeaders > TimeSpan.Zero)
        {
            await Task.Delay(response.DelayBeforeHeaders, cancellationToken);
        }

        if (response.ReleaseSignal is { } signal)
        {
            await signal.WaitAsync(cancellationToken);
        }

        if (response.ResetBeforeHeaders)
        {
            record.MarkServerAborted();
            context.Abort();
            return;
        }

        var http = context.Response;
        http.StatusCode = response.Status ?? 200;
        if (response.ContentType is { } contentType)
        {
            http.ContentType = contentType;
        }

        foreach (var (name, value) in response.Headers)
        {
            http.Headers[name] = value;
        }

        record.ResponseStatus = http.StatusCode;
        record.ResponseHeaders = http.Headers.ToDictionary(
            h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);

        if (response.Stream is { } script)
        {
            await StreamAsync(context, record, script, cancellationToken);
        }
        else if (response.Body is { } body)
        {
            http.ContentLength = body.Length;
            await http.Body.WriteAsync(body, cancellationToken);
        }
    }

    private static async Task StreamAsync(
        HttpContext context, RecordedRequest record, SseScript script, CancellationToken cancellationToken)
    {
        // Headers go out at once, so "headers, then silence" is a real scenario.
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        await context.Response.StartAsync(cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);

        foreach (var step in script.Steps)
        {
            switch (step)
            {
                case SseStep.Write write:
                    await context.Response.Body.WriteAsync(write.Bytes, cancellationToken);
                    await context.Response.Body.FlushAsync(cancellationToken);
                    if (script.DelayBetweenWrites > TimeSpan.Zero)
                    {
                        await Task.Delay(script.DelayBetweenWrites, cancellationToken);
                    }

                    break;
                case SseStep.Pause pause:
                    await Task.Delay(pause.Delay, cancellationToken);
                    break;
                case SseStep.Gate gate:
                    await gate.Signal.WaitAsync(cancellationToken);
                    break;
                case SseStep.Reset:
                    // Abort drops output Kestrel has not yet handed to the socket; the bytes
                    // written before the reset must reach the client, as they would in the field.
                    await Task.Delay(DrainBeforeReset, cancellationToken);
                    record.MarkServerAborted();
                    context.Abort();
                    return;
            }
        }
    }
}
