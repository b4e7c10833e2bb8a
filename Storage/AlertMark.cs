using Dapper;

namespace TokenRouter.Storage;

/// <summary>The highest quota alert threshold (0, 80 or 100) announced for a team in one reset epoch.</summary>
internal sealed record AlertMark(long TeamId, long ResetEpoch, int Percent);

/// <summary>Reads and writes of <see cref="AlertMark"/>s, in the quota_alerts table.</summary>
[DapperAot]
internal static class AlertMarks
{
    /// <summary>
    /// Stores the mark, unless the team has been reset (or deleted) since the mark was decided:
    /// a mark of an ended epoch must not silence the new one.
    /// </summary>
    public static bool Save(WriterSession session, AlertMark mark) =>
        session.Connection.Execute("""
            INSERT INTO quota_alerts (team_id, reset_epoch, percent, at)
            SELECT id, @resetEpoch, @percent, @now FROM teams
            WHERE id = @teamId AND reset_epoch = @resetEpoch AND deleted_at IS NULL
            ON CONFLICT (team_id) DO UPDATE
            SET reset_epoch = excluded.reset_epoch, percent = excluded.percent, at = excluded.at
            """,
            new { teamId = mark.TeamId, resetEpoch = mark.ResetEpoch, percent = mark.Percent, now = session.Now },
            session.Transaction) == 1;

    /// <summary>The marks of live teams that belong to their current epoch.</summary>
    public static IReadOnlyList<AlertMark> ListCurrent(Microsoft.Data.Sqlite.SqliteConnection connection) =>
        connection.Query<AlertMarkRow>("""
            SELECT a.team_id, a.reset_epoch, a.percent FROM quota_alerts a
            JOIN teams t ON t.id = a.team_id AND t.reset_epoch = a.reset_epoch AND t.deleted_at IS NULL
            """)
            .Select(row => new AlertMark(row.TeamId, row.ResetEpoch, row.Percent))
            .ToList();

    internal sealed class AlertMarkRow
    {
        public long TeamId { get; set; }
        public long ResetEpoch { get; set; }
        public int Percent { get; set; }
    }
}
