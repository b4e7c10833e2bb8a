using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace TokenRouter.Storage;

/// <summary>
/// The writer's connection and the transaction it is filling. The two statements every charge
/// runs are prepared once per connection and reused; that, and adding each team's usage once
/// per transaction instead of once per charge, is most of what makes a charge cheap.
/// </summary>
internal sealed class WriterSession : IDisposable
{
    // The team's current epoch is read in the same statement that appends the row, so a row
    // always belongs to the epoch its tokens were added to. A request id that is already
    // logged, or a team that does not exist, inserts nothing rather than failing the batch.
    private const string InsertLogSql = """
        INSERT INTO request_log (
            request_id, started_at, team_id, model, endpoint, stream, status,
            prompt_tokens, completion_tokens, total_tokens, cached_tokens, reasoning_tokens, estimated,
            duration_ms, upstream_request_id, error_type, end_user, reset_epoch)
        SELECT
            $request_id, $started_at, id, $model, $endpoint, $stream, $status,
            $prompt_tokens, $completion_tokens, $total_tokens, $cached_tokens, $reasoning_tokens, $estimated,
            $duration_ms, $upstream_request_id, $error_type, $end_user, reset_epoch
        FROM teams WHERE id = $team_id
        ON CONFLICT (request_id) DO NOTHING
        """;

    private const string AddUsageSql = """
        UPDATE teams
        SET used = used + $tokens, last_request_at = max(coalesce(last_request_at, 0), $at)
        WHERE id = $team_id
        """;

    private const string FindLogSql =
        "SELECT team_id, started_at, total_tokens FROM request_log WHERE request_id = $request_id";

    private readonly SqliteCommand _insertLog;
    private readonly SqliteCommand _addUsage;
    private readonly Dictionary<long, PendingUsage> _pending = [];
    private readonly string _databasePath;

    public WriterSession(SqliteConnection connection, string databasePath)
    {
        Connection = connection;
        _databasePath = databasePath;
        _insertLog = Prepare(InsertLogSql,
            "$request_id", "$started_at", "$team_id", "$model", "$endpoint", "$stream", "$status",
            "$prompt_tokens", "$completion_tokens", "$total_tokens", "$cached_tokens", "$reasoning_tokens",
            "$estimated", "$duration_ms", "$upstream_request_id", "$error_type", "$end_user");
        _addUsage = Prepare(AddUsageSql, "$tokens", "$at", "$team_id");
    }

    public SqliteConnection Connection { get; }

    /// <summary>The open transaction; only valid between <see cref="Begin"/> and commit or rollback.</summary>
    public SqliteTransaction Transaction { get; private set; } = null!;

    /// <summary>The time every write of this transaction is stamped with, in unix milliseconds.</summary>
    public long Now { get; private set; }

    public void Begin(long now)
    {
        _pending.Clear();
        Now = now;
        Transaction = Connection.BeginTransaction(deferred: false);
        _insertLog.Transaction = Transaction;
        _addUsage.Transaction = Transaction;
    }

    /// <summary>
    /// Appends the log row and books its tokens for the team.
    /// Returns null when charged, else why the record cannot be written.
    /// </summary>
    /// <param name="retried">The batch failed before; an earlier commit of this record may have gone through.</param>
    public string? Charge(UsageRecord record, bool retried)
    {
        var startedAt = UnixMs.From(record.StartedAt);
        var p = _insertLog.Parameters;
        p[0].Value = record.RequestId;
        p[1].Value = startedAt;
        p[2].Value = record.TeamId;
        p[3].Value = record.Model;
        p[4].Value = record.Endpoint;
        p[5].Value = record.Stream ? 1L : 0L;
        p[6].Value = (long)record.Status;
        p[7].Value = record.PromptTokens;
        p[8].Value = record.CompletionTokens;
        p[9].Value = record.TotalTokens;
        p[10].Value = record.CachedTokens;
        p[11].Value = record.ReasoningTokens;
        p[12].Value = record.Estimated ? 1L : 0L;
        p[13].Value = record.DurationMs;
        p[14].Value = (object?)record.UpstreamRequestId ?? DBNull.Value;
        p[15].Value = (object?)record.ErrorType ?? DBNull.Value;
        p[16].Value = (object?)record.EndUser ?? DBNull.Value;

        if (_insertLog.ExecuteNonQuery() == 1)
        {
            ref var pending = ref CollectionsMarshal.GetValueRefOrAddDefault(_pending, record.TeamId, out _);
            pending = new PendingUsage(pending.Tokens + record.TotalTokens, Math.Max(pending.LastAt, startedAt));
            return null;
        }

        return ExplainNotInserted(record, startedAt, retried);
    }

    /// <summary>Writes the usage added so far; runs before anything that reads or resets a team.</summary>
    public void FlushUsage()
    {
        if (_pending.Count == 0)
        {
            return;
        }

        var p = _addUsage.Parameters;
        foreach (var (teamId, usage) in _pending)
        {
            p[0].Value = usage.Tokens;
            p[1].Value = usage.LastAt;
            p[2].Value = teamId;
            _addUsage.ExecuteNonQuery();
        }

        _pending.Clear();
    }

    public void Commit()
    {
        FlushUsage();

        // A commit into a file that was deleted, moved away or replaced at its path would be
        // lost with that file. One stat per commit catches it; the writer then reopens the path.
        if (SqliteFileIdentity.HasMoved(Connection, _databasePath))
        {
            throw new IOException($"The database file at {_databasePath} is gone or was replaced.");
        }

        Transaction.Commit();
        Transaction.Dispose();
    }

    public void Rollback()
    {
        _pending.Clear();
        try
        {
            Transaction?.Dispose();
        }
        catch (Exception)
        {
            // SQLite may have rolled back on its own (I/O errors, a full disk), or the connection
            // is broken; either way the next Begin fails and the writer opens a new connection.
        }
    }

    public void Dispose()
    {
        _insertLog.Dispose();
        _addUsage.Dispose();
        Connection.Dispose();
    }

    private string? ExplainNotInserted(UsageRecord record, long startedAt, bool retried)
    {
        using var find = Connection.CreateCommand();
        find.Transaction = Transaction;
        find.CommandText = FindLogSql;
        find.Parameters.AddWithValue("$request_id", record.RequestId);
        using var reader = find.ExecuteReader();
        if (!reader.Read())
        {
            return $"team {record.TeamId} does not exist";
        }

        // A retried batch finding its own row: the commit that reported failure went through
        // after all, with the usage it added. The charge is done.
        var sameRecord = reader.GetInt64(0) == record.TeamId
            && reader.GetInt64(1) == startedAt
            && reader.GetInt64(2) == record.TotalTokens;
        return retried && sameRecord ? null : "its request id is already logged";
    }

    private SqliteCommand Prepare(string sql, params string[] parameterNames)
    {
        var command = Connection.CreateCommand();
        command.CommandText = sql;
        foreach (var name in parameterNames)
        {
            command.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        command.Prepare();
        return command;
    }

    private readonly record struct PendingUsage(long Tokens, long LastAt);
}
