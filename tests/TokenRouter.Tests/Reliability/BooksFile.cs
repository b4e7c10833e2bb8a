using Microsoft.Data.Sqlite;
using TokenRouter.Storage;

namespace TokenRouter.Tests.Reliability;

/// <summary>
/// A database file read with plain SQLite, outside any TokenRouter: what an operator would find
/// on disk after a crash, a stop or a backup.
/// </summary>
internal sealed class BooksFile
{
    private readonly string _path;

    public BooksFile(string path)
    {
        Assert.True(File.Exists(path), $"No database file at {path}.");
        _path = path;
    }

    /// <summary>SQLite's own verdict on the file: "ok" when every page and index is sound.</summary>
    public string IntegrityCheck() => string.Join("; ", Query("PRAGMA integrity_check", r => r.GetString(0)));

    public long Scalar(string sql) => Query(sql, r => r.IsDBNull(0) ? 0 : r.GetInt64(0)).Single();

    /// <summary>
    /// The books' invariant for one team: its used count, and the tokens of its log rows in the
    /// current epoch plus what retention pruned from that epoch. The two must be equal.
    /// </summary>
    public (long Used, long Logged) UsedAndLogged(long teamId)
    {
        var used = Scalar($"SELECT used FROM teams WHERE id = {teamId}");
        var logged = Scalar($"""
            SELECT coalesce((SELECT sum(l.total_tokens) FROM request_log l JOIN teams t ON t.id = l.team_id
                             WHERE l.team_id = {teamId} AND l.reset_epoch = t.reset_epoch), 0)
                 + coalesce((SELECT p.total_tokens FROM pruned_usage p JOIN teams t ON t.id = p.team_id
                             WHERE p.team_id = {teamId} AND p.reset_epoch = t.reset_epoch), 0)
            """);
        return (used, logged);
    }

    /// <summary>The team's request log rows by request id.</summary>
    public IReadOnlyDictionary<string, LoggedRequest> Requests(long teamId) => Query(
        $"SELECT request_id, status, total_tokens, upstream_request_id, error_type FROM request_log WHERE team_id = {teamId}",
        r => new LoggedRequest(
            r.GetString(0),
            r.GetInt32(1),
            r.GetInt64(2),
            r.IsDBNull(3) ? null : r.GetString(3),
            r.IsDBNull(4) ? null : r.GetString(4)))
        .ToDictionary(r => r.RequestId, StringComparer.Ordinal);

    public IReadOnlyList<long> TeamIds() => Query("SELECT id FROM teams ORDER BY id", r => r.GetInt64(0));

    public IReadOnlyList<T> Query<T>(string sql, Func<SqliteDataReader, T> read)
    {
        // A connection of its own each time: nothing stays open to hold the file.
        using var connection = SqliteConnections.OpenFile(_path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        using var reader = command.ExecuteReader();
        var rows = new List<T>();
        while (reader.Read())
        {
            rows.Add(read(reader));
        }

        return rows;
    }

    public override string ToString() => _path;
}

internal sealed record LoggedRequest(string RequestId, int Status, long TotalTokens, string? UpstreamRequestId, string? ErrorType);
