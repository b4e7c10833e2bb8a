using System.Collections.Concurrent;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using TokenRouter.Storage;

namespace TokenRouter.Tests.Storage;

/// <summary>A temporary directory holding real SQLite files, removed with everything in it.</summary>
internal sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "tokenrouter-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A file still open elsewhere; the OS temp cleanup takes it later.
        }
    }
}

/// <summary>Collects log entries so a test can assert what was logged.</summary>
internal sealed class ListLogger<T> : ILogger<T>
{
    public ConcurrentQueue<(LogLevel Level, EventId Id, string Message)> Entries { get; } = new();

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(
        LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Entries.Enqueue((logLevel, eventId, formatter(state, exception)));
}

internal static class BooksTestKit
{
    public static readonly DateTimeOffset Start = new(2025, 3, 10, 12, 0, 0, TimeSpan.Zero);

    public static SqliteBooks Create(
        string path, TimeProvider? clock = null, SqliteBooksOptions? options = null, ILogger<SqliteBooks>? logger = null) =>
        new(
            options ?? new SqliteBooksOptions(path),
            clock ?? new FakeTimeProvider(Start),
            logger ?? new ListLogger<SqliteBooks>());

    public static async Task<SqliteBooks> OpenAsync(
        string path, TimeProvider? clock = null, SqliteBooksOptions? options = null, ILogger<SqliteBooks>? logger = null)
    {
        var books = Create(path, clock, options, logger);
        await books.MigrateAsync(CancellationToken.None);
        return books;
    }

    public static NewTeam NewTeam(string name, long quota = 1_000_000) =>
        new(name, quota, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32)), "sk-tr-abcd");

    public static UsageRecord Record(
        long teamId, long totalTokens, string? requestId = null, DateTimeOffset? startedAt = null,
        string model = "GPT-5-mini", int status = 200) => new()
    {
        RequestId = requestId ?? Guid.CreateVersion7().ToString("N"),
        StartedAt = startedAt ?? Start,
        TeamId = teamId,
        Model = model,
        Endpoint = "/v1/chat/completions",
        Stream = false,
        Status = status,
        PromptTokens = totalTokens / 2,
        CompletionTokens = totalTokens - totalTokens / 2,
        TotalTokens = totalTokens,
        DurationMs = 12,
    };

    /// <summary>A plain connection of the test's own, outside the books.</summary>
    public static SqliteConnection Connect(string path) => SqliteConnections.OpenFile(path);

    public static long Scalar(string path, string sql)
    {
        using var connection = Connect(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The books' invariant for one team: used equals the tokens logged in its current epoch,
    /// including those that retention has pruned.
    /// </summary>
    public static (long Used, long Logged) UsedAndLogged(string path, long teamId)
    {
        var used = Scalar(path, $"SELECT used FROM teams WHERE id = {teamId}");
        var logged = Scalar(path, $"""
            SELECT coalesce((SELECT sum(l.total_tokens) FROM request_log l JOIN teams t ON t.id = l.team_id
                             WHERE l.team_id = {teamId} AND l.reset_epoch = t.reset_epoch), 0)
                 + coalesce((SELECT p.total_tokens FROM pruned_usage p JOIN teams t ON t.id = p.team_id
                             WHERE p.team_id = {teamId} AND p.reset_epoch = t.reset_epoch), 0)
            """);
        return (used, logged);
    }

    /// <summary>Polls until the condition holds; false after the timeout. For states reached in the background.</summary>
    public static async Task<bool> EventuallyAsync(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (DateTime.UtcNow < deadline)
        {
            if (condition())
            {
                return true;
            }

            await Task.Delay(20);
        }

        return condition();
    }
}
