using Dapper;

namespace TokenRouter.Storage;

/// <summary>
/// Changes to teams. They run on the writer, one at a time and in order with the charges, so a
/// check followed by a write (a free name, the current row) cannot race another change.
/// </summary>
[DapperAot]
internal static class TeamWrites
{
    private const string SelectLive = $"SELECT {TeamRow.Columns} FROM teams WHERE id = @id AND deleted_at IS NULL";

    public static Team Create(WriterSession session, NewTeam team)
    {
        EnsureNameIsFree(session, team.Name, exceptId: null);
        var row = session.Connection.QuerySingle<TeamRow>($"""
            INSERT INTO teams (
                name, token_hash, token_prefix, quota, period, models, rpm, tpm, expires_at, enabled,
                period_started_at, created_at, updated_at)
            VALUES (
                @name, @tokenHash, @tokenPrefix, @quota, @period, @models, @rpm, @tpm, @expiresAt, @enabled,
                @now, @now, @now)
            RETURNING {TeamRow.Columns}
            """,
            new
            {
                name = team.Name,
                tokenHash = team.TokenHash,
                tokenPrefix = team.TokenPrefix,
                quota = team.Quota,
                period = TeamRow.FormatPeriod(team.Period),
                models = TeamRow.FormatModels(team.Models),
                rpm = team.RequestsPerMinute,
                tpm = team.TokensPerMinute,
                expiresAt = UnixMs.From(team.ExpiresAt),
                enabled = team.Enabled,
                now = session.Now,
            },
            session.Transaction);
        return row.ToTeam();
    }

    public static Team? Update(WriterSession session, long id, TeamChanges changes)
    {
        var current = session.Connection.QuerySingleOrDefault<TeamRow>(SelectLive, new { id }, session.Transaction);
        if (current is null)
        {
            return null;
        }

        var name = changes.Name ?? current.Name;
        if (!string.Equals(name, current.Name, StringComparison.Ordinal))
        {
            EnsureNameIsFree(session, name, exceptId: id);
        }

        var row = session.Connection.QuerySingle<TeamRow>($"""
            UPDATE teams
            SET name = @name, quota = @quota, period = @period, models = @models, rpm = @rpm, tpm = @tpm,
                expires_at = @expiresAt, enabled = @enabled, updated_at = @now
            WHERE id = @id
            RETURNING {TeamRow.Columns}
            """,
            new
            {
                id,
                name,
                quota = changes.Quota ?? current.Quota,
                period = changes.Period is { } period ? TeamRow.FormatPeriod(period) : current.Period,
                models = changes.Models is { } models ? TeamRow.FormatModels(models) : current.Models,
                rpm = changes.ClearRequestsPerMinute ? null : changes.RequestsPerMinute ?? current.Rpm,
                tpm = changes.ClearTokensPerMinute ? null : changes.TokensPerMinute ?? current.Tpm,
                expiresAt = changes.ClearExpiresAt ? null : UnixMs.From(changes.ExpiresAt) ?? current.ExpiresAt,
                enabled = changes.Enabled ?? current.Enabled,
                now = session.Now,
            },
            session.Transaction);
        return row.ToTeam();
    }

    /// <summary>Marks the team deleted: its log rows keep pointing at it, and its name is free again.</summary>
    public static bool Delete(WriterSession session, long id) =>
        session.Connection.Execute(
            "UPDATE teams SET deleted_at = @now, updated_at = @now WHERE id = @id AND deleted_at IS NULL",
            new { id, now = session.Now },
            session.Transaction) == 1;

    public static Team? ReplaceToken(WriterSession session, long id, string tokenHash, string tokenPrefix) =>
        session.Connection.QuerySingleOrDefault<TeamRow>($"""
            UPDATE teams SET token_hash = @tokenHash, token_prefix = @tokenPrefix, updated_at = @now
            WHERE id = @id AND deleted_at IS NULL
            RETURNING {TeamRow.Columns}
            """,
            new { id, tokenHash, tokenPrefix, now = session.Now },
            session.Transaction)?.ToTeam();

    /// <summary>Records the reset with the used count it ends, then starts the team's next epoch at 0.</summary>
    public static Team? Reset(WriterSession session, long id, ResetReason reason)
    {
        var recorded = session.Connection.Execute("""
            INSERT INTO usage_resets (team_id, at, kind, by, used_before)
            SELECT id, @now, @kind, @by, used FROM teams WHERE id = @id AND deleted_at IS NULL
            """,
            new { id, now = session.Now, kind = reason.Kind, by = reason.By },
            session.Transaction);
        if (recorded == 0)
        {
            return null;
        }

        // The new period has announced nothing yet.
        session.Connection.Execute("DELETE FROM quota_alerts WHERE team_id = @id", new { id }, session.Transaction);
        return session.Connection.QuerySingle<TeamRow>($"""
            UPDATE teams SET used = 0, reset_epoch = reset_epoch + 1, period_started_at = @start
            WHERE id = @id
            RETURNING {TeamRow.Columns}
            """,
            new { id, start = reason.PeriodStart is { } start ? UnixMs.From(start) : session.Now },
            session.Transaction).ToTeam();
    }

    private static void EnsureNameIsFree(WriterSession session, string name, long? exceptId)
    {
        var taken = session.Connection.ExecuteScalar<long>(
            "SELECT count(*) FROM teams WHERE name = @name COLLATE NOCASE AND deleted_at IS NULL AND id <> @exceptId",
            new { name, exceptId = exceptId ?? 0 },
            session.Transaction);
        if (taken > 0)
        {
            throw new DuplicateTeamNameException(name);
        }
    }
}
