using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging.Abstractions;
using OpenAI.Chat;
using TokenRouter.Proxy;
using TokenRouter.Storage;
using TokenRouter.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TokenRouter.Tests.EndToEnd;

/// <summary>
/// The published single-file binary (TOKENROUTER_BINARY, set by .ci/run after ./build.sh),
/// started the way a sysadmin starts it, in front of the fake upstream, answering a team's chat.
/// </summary>
public sealed partial class PublishedBinaryTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string BinaryVariable = "TOKENROUTER_BINARY";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "tokenrouter-tests", "binary-" + Guid.NewGuid().ToString("N")[..8]);
    private FakeUpstream _upstream = null!;

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_folder);
        _upstream = await FakeUpstream.StartAsync();
        _upstream.RequiredApiKey = "sk-provider-for-the-binary";
    }

    public async Task DisposeAsync()
    {
        await _upstream.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // Left for the temp cleaner; nothing else depends on it.
        }
    }

    [SkippableFact]
    public async Task Binary_WithAnEnvFile_ServesAChatRequestThroughTheFakeUpstream_AndBooksIt()
    {
        var binary = FindBinary();

        // The team goes into the database before the start, as an earlier admin session would leave it.
        var database = Path.Combine(_folder, "tokenrouter.db");
        var token = TeamTokens.Generate();
        long teamId;
        await using (var books = new SqliteBooks(new SqliteBooksOptions(database), TimeProvider.System, NullLogger<SqliteBooks>.Instance))
        {
            await books.MigrateAsync(CancellationToken.None);
            var team = await books.CreateTeamAsync(
                new NewTeam("binary-team", 1_000, TeamTokens.Hash(token), TeamTokens.DisplayPrefix(token)), CancellationToken.None);
            teamId = team.Id;
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        var envFile = Path.Combine(_folder, "tokenrouter.env");
        await File.WriteAllTextAsync(envFile, string.Join('\n',
            "PROVIDER_API_KEY=sk-provider-for-the-binary",
            $"PROVIDER_BASE_URL={_upstream.BaseUrl}",
            "ALLOWED_MODELS=GPT-5-nano,gpt-4o-mini",
            "ADMIN_PASSWORD=binary-admin-password",
            "HOST=127.0.0.1",
            "PORT=0",
            $"DATABASE_PATH={database}") + "\n");

        using var process = Start(binary, envFile);
        var log = new StringBuilder();
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.OutputDataReceived += (_, e) => Collect(e.Data, log, listening);
        process.ErrorDataReceived += (_, e) => Collect(e.Data, log, listening);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            var baseUrl = await listening.Task.WaitAsync(Patience);
            var chat = OpenAIClients.Client(baseUrl, token).GetChatClient("gpt-5-NANO");

            ChatCompletion completion = await chat.CompleteChatAsync([new UserChatMessage("hi")]);

            Assert.Equal("Hello from the fake upstream.", completion.Content[0].Text);
            Assert.Equal(18, completion.Usage.TotalTokenCount);
            var forwarded = Assert.Single(_upstream.Requests);
            Assert.Equal("GPT-5-nano", forwarded.Model);
            Assert.Equal("Bearer sk-provider-for-the-binary", forwarded.Header("Authorization"));
        }
        finally
        {
            await StopAsync(process);
            output.WriteLine(log.ToString());
        }

        Assert.Equal(0, process.ExitCode);
        Assert.DoesNotContain(token[TeamTokens.Prefix.Length..], log.ToString(), StringComparison.Ordinal);
        await using var after = new SqliteBooks(new SqliteBooksOptions(database), TimeProvider.System, NullLogger<SqliteBooks>.Instance);
        Assert.Equal(18, (await after.GetTeamAsync(teamId, CancellationToken.None))!.Used);
        var row = Assert.Single((await after.QueryLogsAsync(new LogQuery { TeamId = teamId }, CancellationToken.None)).Items).Record;
        Assert.Equal((200, "GPT-5-nano", 18L), (row.Status, row.Model, row.TotalTokens));
    }

    /// <summary>
    /// The binary, or a skip with the reason. On CI (the CI variable set) a missing binary is a
    /// failure: .ci/run builds it, so its absence means the build step broke.
    /// </summary>
    private static string FindBinary()
    {
        var path = Environment.GetEnvironmentVariable(BinaryVariable);
        if (string.IsNullOrEmpty(path))
        {
            Assert.True(
                string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")),
                $"{BinaryVariable} is not set on CI: .ci/run must run ./build.sh and export {BinaryVariable}=dist/tokenrouter.");
            Skip.If(true, $"{BinaryVariable} is not set; run ./build.sh and set it to dist/tokenrouter to test the published binary.");
        }

        Assert.True(File.Exists(path), $"{BinaryVariable} points at {path}, which does not exist.");
        return path!;
    }

    private Process Start(string binary, string envFile)
    {
        var start = new ProcessStartInfo(binary)
        {
            WorkingDirectory = _folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("serve");
        start.ArgumentList.Add("--env-file");
        start.ArgumentList.Add(envFile);

        // The env file must be what configures it, not the machine's environment.
        foreach (var key in new[] { "PROVIDER_API_KEY", "PROVIDER_BASE_URL", "ALLOWED_MODELS", "ADMIN_PASSWORD", "HOST", "PORT", "DATABASE_PATH" })
        {
            start.Environment.Remove(key);
        }

        return Process.Start(start) ?? throw new InvalidOperationException($"{binary} did not start.");
    }

    private static void Collect(string? line, StringBuilder log, TaskCompletionSource<string> listening)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            log.AppendLine(line);
        }

        if (ListeningLine().Match(line) is { Success: true } match)
        {
            listening.TrySetResult(match.Groups[1].Value);
        }
    }

    /// <summary>SIGTERM, as a service manager stops it; a kill if it does not stop in time.</summary>
    private static async Task StopAsync(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        try
        {
            await process.WaitForExitAsync(patience.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
