using System.Text;
using Dapper;

namespace TokenRouter.Storage;

/// <summary>Reads: teams, resets and the request log, each on a pooled read connection.</summary>
internal sealed partial class SqliteBooks
{
    public const int MaxLogPageSize = 10_000;

    public Task<IReadOnlyList<Team>> ListTeamsAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var lease = _connections.Read();
        var rows = lease.Connection.Query<TeamRow>(
            $"SELECT {TeamRow.Columns} FROM teams WHERE deleted_at IS NULL ORDER BY id");
        return Task.FromResult<IReadOnlyList<Team>>(rows.Select(row => row.ToTeam()).ToList());
    }

    public Task<Team?> GetTeamAsync(long id, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var lease = _connections.Read();
        var row = lease.Connection.QuerySingleOrDefault<TeamRow>(
            $"SELECT {TeamRow.Columns} FROM teams WHERE id = @id AND deleted_at IS NULL", new { id });
        return Task.FromResult(row?.ToTeam());
    }

    /// <summary>Names are unique regardless of (ASCII) letter case, and found the same way.</summary>
    public Task<Team?> GetTeamByNameAsync(string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var lease = _connections.Read();
        var row = lease.Connection.QuerySingleOrDefault<TeamRow>(
            $"SELECT {TeamRow.Columns} FROM teams WHERE name = @name COLLATE NOCASE AND deleted_at IS NULL",
            new { name });
        return Task.FromResult(row?.ToTeam());
    }

    public Task<IReadOnlyList<AlertMark>> ListAlertMarksAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var lease = _connections.Read();
        return Task.FromResult(AlertMarks.ListCurrent(lease.Connection));
    }

    public Task<IReadOnlyList<string>> ListProtectionKeysAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var lease = _connections.Read();
        var rows = lease.Connection.Query<string>("SELECT xml FROM protection_keys ORDER BY id");
        return Task.FromResult<IReadOnlyList<string>>(rows.ToList());
    }

    public Task<IReadOnlyList<UsageReset>> ListResetsAsync(long teamId, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        cancellationToken.ThrowIfCancellationRequested();
        using var lease = _connections.Read();
        var rows = lease.Connection.Query<ResetRow>("""
            SELECT team_id, at, kind, by, used_before FROM usage_resets
            WHERE team_id = @teamId ORDER BY at DESC, id DESC LIMIT @limit
            """,
            new { teamId, limit });
        return Task.FromResult<IReadOnlyList<UsageReset>>(rows.Select(row => row.ToReset()).ToList());
    }

    /// <summary>Newest first. The page and the total come from one snapshot, so they agree.</summary>
    public Task<LogPage> QueryLogsAsync(LogQuery query, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(query.Limit);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(query.Limit, MaxLogPageSize);
        ArgumentOutOfRangeException.ThrowIfNegative(query.Offset);
        cancellationToken.ThrowIfCancellationRequested();

        // Only the filters in use go into the SQL, so SQLite can pick the index that fits
        // (team or model with time, or time alone) instead of scanning.
        var where = new StringBuilder("WHERE 1 = 1");
        if (query.TeamId is not null)
        {
            where.Append(" AND l.team_id = @TeamId");
        }

        if (query.Model is not null)
        {
            where.Append(" AND l.model = @Model COLLATE NOCASE");
        }

        if (query.Status is not null)
        {
            where.Append(" AND l.status = @Status");
        }

        if (query.From is not null)
        {
            where.Append(" AND l.started_at >= @From");
        }

        if (query.To is not null)
        {
            where.Append(" AND l.started_at < @To");
        }

        var args = new LogArgs
        {
            TeamId = query.TeamId,
            Model = query.Model,
            Status = query.Status,
            From = UnixMs.From(query.From),
            To = UnixMs.From(query.To),
            Limit = query.Limit,
            Offset = query.Offset,
        };

        using var lease = _connections.Read();
        using var snapshot = lease.Connection.BeginTransaction(deferred: true);
        var total = lease.Connection.ExecuteScalar<long>($"SELECT count(*) FROM request_log l {where}", args, snapshot);
        var rows = lease.Connection.Query<LogRow>($"""
            SELECT {LogRow.Columns}
            FROM request_log l LEFT JOIN teams t ON t.id = l.team_id
            {where}
            ORDER BY l.started_at DESC, l.rowid DESC
            LIMIT @Limit OFFSET @Offset
            """,
            args,
            snapshot);
        var items = rows.Select(row => row.ToEntry()).ToList();
        snapshot.Commit();
        return Task.FromResult(new LogPage(items, total));
    }
}
