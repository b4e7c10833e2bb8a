using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using TokenRouter.Config;
using TokenRouter.Quota;
using TokenRouter.Storage;

namespace TokenRouter.Tests.Admin;

/// <summary>The whole server, in process, on a loopback port and a fresh database of its own.</summary>
public class AdminServer : IAsyncLifetime
{
    public const string Password = "correct horse battery staple";
    public static readonly string[] Models = ["GPT-5-mini", "GPT-5-nano", "Gemini-2.5-pro"];

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "tr-admin-" + Guid.NewGuid().ToString("N"));
    private WebApplication? _app;

    public Uri BaseAddress { get; private set; } = null!;
    public LogSink Logs { get; } = new();
    internal IServiceProvider Services => _app!.Services;
    internal IBooks Books => Services.GetRequiredService<IBooks>();
    internal TeamDirectory Directory => Services.GetRequiredService<TeamDirectory>();
    internal RouterSettings Settings { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(_directory);
        Settings = new RouterSettings
        {
            Host = "127.0.0.1",
            Port = 0,
            DatabasePath = Path.Combine(_directory, "books.db"),
            EnvFilePath = Path.Combine(_directory, ".env"),
            ProviderApiKey = "sk-provider-secret-key",
            AllowedModels = Models,
            AdminPassword = Password,
        };
        Settings = Configure(Settings);
        _app = await Program.StartServerAsync(Settings);
        _app.Services.GetRequiredService<ILoggerFactory>().AddProvider(Logs);
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address);
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }

        try
        {
            System.IO.Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A fixture of its own may change the settings the server starts with.</summary>
    private protected virtual RouterSettings Configure(RouterSettings settings) => settings;

    /// <summary>A client that sends the admin password as a Bearer token, like the CLI.</summary>
    public HttpClient BearerClient(string password = Password)
    {
        var client = new HttpClient { BaseAddress = BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", password);
        return client;
    }

    /// <summary>A client with a cookie jar, like a browser.</summary>
    public HttpClient BrowserClient() =>
        new(new HttpClientHandler { CookieContainer = new CookieContainer(), UseCookies = true }) { BaseAddress = BaseAddress };

    /// <summary>Signs a browser client in and returns the CSRF token the panel would keep.</summary>
    public static async Task<string> SignInAsync(HttpClient browser, string password = Password)
    {
        var response = await browser.PostAsJsonAsync("/admin/api/login", new { password });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.True(body.RootElement.GetProperty("authenticated").GetBoolean());
        return body.RootElement.GetProperty("csrf_token").GetString()!;
    }

    /// <summary>Creates a team through the API and returns its JSON (token included).</summary>
    public async Task<JsonElement> CreateTeamAsync(object body)
    {
        using var client = BearerClient();
        var response = await client.PostAsJsonAsync("/admin/api/teams", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Charges a team as the proxy does: reserve, write the log row, settle on commit.</summary>
    internal async Task ChargeAsync(long teamId, long totalTokens, string model = "GPT-5-mini",
        DateTimeOffset? startedAt = null, int status = 200, string? endUser = null, string? requestId = null)
    {
        var account = Directory.Find(teamId)!;
        var reservation = account.TryReserve(promptTokens: 1, maxOutputTokens: 1, defaultAllowance: 1).Reservation;
        var record = new UsageRecord
        {
            RequestId = requestId ?? Guid.NewGuid().ToString("N"),
            StartedAt = startedAt ?? DateTimeOffset.UtcNow,
            TeamId = teamId,
            Model = model,
            Endpoint = "/v1/chat/completions",
            Stream = false,
            Status = status,
            PromptTokens = totalTokens / 2,
            CompletionTokens = totalTokens - (totalTokens / 2),
            TotalTokens = totalTokens,
            DurationMs = 12,
            EndUser = endUser,
        };
        await Books.ChargeAsync(record, () => reservation?.Settle(totalTokens));
    }
}

/// <summary>Keeps every log line the server writes, to assert on what is (and is not) logged.</summary>
public sealed class LogSink : ILoggerProvider
{
    public ConcurrentQueue<(LogLevel Level, string Category, string Message)> Entries { get; } = new();

    public ILogger CreateLogger(string categoryName) => new SinkLogger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class SinkLogger(LogSink sink, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception,
            Func<TState, Exception?, string> formatter) =>
            sink.Entries.Enqueue((logLevel, category, formatter(state, exception) + " " + exception));
    }
}
