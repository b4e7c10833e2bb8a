using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Data.Sqlite;
using TokenRouter.Config;
using TokenRouter.Proxy;
using TokenRouter.Quota;
using TokenRouter.Storage;

namespace TokenRouter.Tests.Infrastructure;

/// <summary>
/// A whole TokenRouter, started in-process through <c>Program.StartServerAsync</c> on
/// 127.0.0.1 (a free port) with its database in a fresh temporary directory, its logs
/// captured, and the provider pointed at a fake upstream. Disposing stops it and deletes
/// the directory.
/// </summary>
public sealed class RouterServer : IAsyncDisposable
{
    /// <summary>The router's provider key: the only credential the upstream may ever see.</summary>
    public const string ProviderApiKey = "sk-provider-secret-key";

    /// <summary>The admin password; not the default one, so there is no default-password warning.</summary>
    public const string AdminPassword = "router-admin-test-password";

    /// <summary>ALLOWED_MODELS in the configured spelling.</summary>
    public static readonly IReadOnlyList<string> DefaultAllowedModels = ["gpt-4o-mini", "GPT-5-nano"];

    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    private readonly WebApplication _app;

    private RouterServer(WebApplication app, RouterSettings settings, LogCapture logs, string dataDirectory)
    {
        _app = app;
        Settings = settings;
        Logs = logs;
        DataDirectory = dataDirectory;
        var address = app.Services.GetRequiredService<IServer>().Features
            .GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        BaseUrl = address.TrimEnd('/');
        Http = new HttpClient { BaseAddress = new Uri(BaseUrl + "/"), Timeout = TimeSpan.FromMinutes(5) };
    }

    /// <summary>The server root without a trailing slash, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public string BaseUrl { get; }

    /// <summary>The OpenAI-compatible API root, <c>BaseUrl/v1/</c>.</summary>
    public Uri ApiUrl => new(BaseUrl + "/v1/");

    /// <summary>A client without credentials, based at the root: use paths like <c>v1/models</c>.</summary>
    public HttpClient Http { get; }

    /// <summary>Every line the app logged, from before it started listening.</summary>
    public LogCapture Logs { get; }

    /// <summary>The temporary directory that holds the database (deleted on dispose).</summary>
    public string DataDirectory { get; }

    public string DatabasePath => Settings.DatabasePath;

    internal RouterSettings Settings { get; }

    internal IServiceProvider Services => _app.Services;

    internal IBooks Books => Services.GetRequiredService<IBooks>();

    internal TeamDirectory Teams => Services.GetRequiredService<TeamDirectory>();

    /// <summary>
    /// Starts a router whose provider is <paramref name="providerBaseUrl"/>. <paramref name="configure"/>
    /// changes the settings (e.g. <c>s => s with { UpstreamIdleTimeout = TimeSpan.FromSeconds(2) }</c>).
    /// </summary>
    internal static async Task<RouterServer> StartAsync(
        Uri providerBaseUrl,
        Func<RouterSettings, RouterSettings>? configure = null,
        TimeProvider? clock = null,
        CancellationToken cancellationToken = default)
    {
        var dataDirectory = Path.Combine(
            Path.GetTempPath(), "tokenrouter-tests", Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(dataDirectory);
        var settings = new RouterSettings
        {
            Host = "127.0.0.1",
            Port = 0,
            DatabasePath = Path.Combine(dataDirectory, "tokenrouter.db"),
            EnvFilePath = Path.Combine(dataDirectory, ".env"),
            ProviderApiKey = ProviderApiKey,
            ProviderBaseUrl = providerBaseUrl,
            AllowedModels = DefaultAllowedModels,
            AdminPassword = AdminPassword,
        };
        settings = configure?.Invoke(settings) ?? settings;

        var logs = new LogCapture();
        try
        {
            var app = await Program.StartServerAsync(settings, clock, cancellationToken, builder =>
            {
                // Everything TokenRouter logs, and the framework from Information up, goes to
                // the capture only: console output from hundreds of test servers helps no one.
                builder.Logging.ClearProviders();
                builder.Logging.AddProvider(logs);
                builder.Logging.AddFilter<LogCapture>(null, LogLevel.Information);
                builder.Logging.AddFilter<LogCapture>("TokenRouter", LogLevel.Trace);
            });
            return new RouterServer(app, settings, logs, dataDirectory);
        }
        catch
        {
            DeleteDirectory(dataDirectory);
            throw;
        }
    }

    /// <summary>A client that sends <c>Authorization: Bearer TOKEN</c> (none when null).</summary>
    public HttpClient CreateClient(string? token)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl + "/"), Timeout = TimeSpan.FromMinutes(5) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    /// <summary>A client for <c>/admin/api</c> with the admin password as bearer token.</summary>
    public HttpClient CreateAdminClient() => CreateClient(Settings.AdminPassword);

    /// <summary>Creates a team through the admin API (<c>POST /admin/api/teams</c>), as the CLI would.</summary>
    public async Task<TestTeam> CreateTeamAsync(
        string name, long quota, CancellationToken cancellationToken = default)
    {
        using var admin = CreateAdminClient();
        using var response = await admin.PostAsJsonAsync(
            "admin/api/teams", new { name, quota }, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if ((int)response.StatusCode != 201)
        {
            throw new InvalidOperationException(
                $"POST /admin/api/teams answered {(int)response.StatusCode}: {text}");
        }

        var body = JsonNode.Parse(text)!;
        var id = body["id"]!.GetValue<long>();
        return new TestTeam(id, body["token"]!.GetValue<string>()) { Name = name, Quota = quota };
    }

    /// <summary>
    /// Creates a team straight in the books and the in-memory directory, without the admin
    /// API: what proxy tests use, so they do not depend on it.
    /// </summary>
    public async Task<TestTeam> CreateTeamDirectAsync(
        string name, long quota, CancellationToken cancellationToken = default)
    {
        var token = TeamTokens.Generate();
        var team = await Books.CreateTeamAsync(
            new NewTeam(name, quota, TeamTokens.Hash(token), TeamTokens.DisplayPrefix(token)),
            cancellationToken);
        Teams.Add(team);
        return new TestTeam(team.Id, token) { Name = name, Quota = quota };
    }

    /// <summary>
    /// Books <paramref name="tokens"/> of usage for the team as one request log row (model
    /// <c>seed</c>), as if a request had cost that much: "quota 1,000, used 900".
    /// </summary>
    public async Task SeedUsageAsync(long teamId, long tokens)
    {
        var account = Account(teamId);
        var record = new UsageRecord
        {
            RequestId = "seed-" + Guid.NewGuid().ToString("N"),
            StartedAt = DateTimeOffset.UtcNow,
            TeamId = teamId,
            Model = "seed",
            Endpoint = "/v1/chat/completions",
            Stream = false,
            Status = 200,
            TotalTokens = tokens,
            DurationMs = 0,
        };
        await Books.ChargeAsync(record, () => account.Settle(0, tokens));
    }

    /// <summary>The team's used tokens in the in-memory ledger: what the next request is checked against.</summary>
    public long UsedTokens(long teamId) => Account(teamId).Team.Used;

    internal TeamAccount Account(long teamId) =>
        Teams.Find(teamId) ?? throw new InvalidOperationException($"No team {teamId} in the directory.");

    /// <summary>
    /// True when <paramref name="text"/> (as UTF-8) appears in any file of the data directory:
    /// the database, its WAL and shared-memory files, the env file (C11: no token in the clear).
    /// </summary>
    public bool DataFilesContain(string text)
    {
        var needle = System.Text.Encoding.UTF8.GetBytes(text);
        foreach (var path in Directory.EnumerateFiles(DataDirectory, "*", SearchOption.AllDirectories))
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            file.CopyTo(copy);
            if (copy.GetBuffer().AsSpan(0, (int)copy.Length).IndexOf(needle) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The team as stored in the database.</summary>
    internal Task<Team?> GetStoredTeamAsync(long teamId) => Books.GetTeamAsync(teamId, CancellationToken.None);

    /// <summary>The team's request log rows, newest first (all teams when null).</summary>
    internal async Task<IReadOnlyList<UsageRecord>> LogRowsAsync(long? teamId = null)
    {
        const int PageSize = 500;
        var rows = new List<UsageRecord>();
        while (true)
        {
            var query = new LogQuery { TeamId = teamId, Limit = PageSize, Offset = rows.Count };
            var page = await Books.QueryLogsAsync(query, CancellationToken.None);
            rows.AddRange(page.Items.Select(i => i.Record));
            if (page.Items.Count < PageSize)
            {
                return rows;
            }
        }
    }

    /// <summary>Waits for at least <paramref name="count"/> log rows: they are written after the response.</summary>
    internal async Task<IReadOnlyList<UsageRecord>> WaitForLogRowsAsync(
        long? teamId, int count, TimeSpan? timeout = null)
    {
        IReadOnlyList<UsageRecord> rows = [];
        var limit = DateTime.UtcNow + (timeout ?? Eventually.DefaultTimeout);
        while ((rows = await LogRowsAsync(teamId)).Count < count)
        {
            if (DateTime.UtcNow > limit)
            {
                throw new TimeoutException($"Waited for {count} log rows of team {teamId}; found {rows.Count}.");
            }

            await Task.Delay(20);
        }

        return rows;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        using (var stop = new CancellationTokenSource(StopTimeout))
        {
            await _app.StopAsync(stop.Token);
        }

        var books = _app.Services.GetService<IBooks>();
        await _app.DisposeAsync();

        // The container disposes the books it created; one it was handed as an instance is
        // ours to dispose. Disposing twice must be harmless for an IAsyncDisposable.
        if (books is not null)
        {
            await books.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        DeleteDirectory(DataDirectory);
    }

    private static void DeleteDirectory(string path)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    Directory.Delete(path, recursive: true);
                }

                return;
            }
            catch (IOException) when (attempt < 5)
            {
                Thread.Sleep(100 * attempt);
            }
        }
    }
}

/// <summary>A team created for a test: its id and its token (shown only once in real life).</summary>
public sealed record TestTeam(long Id, string Token)
{
    public required string Name { get; init; }
    public long Quota { get; init; }
}
