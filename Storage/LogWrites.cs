using Dapper;

namespace TokenRouter.Storage;

/// <summary>Retention: old request log rows go, the usage they carried stays.</summary>
[DapperAot]
internal static class LogWrites
{
    // Oldest first through the time index; the same subquery in both statements picks the same
    // rows, since they run in one transaction on the only writer.
    private const string Batch = """
        SELECT rowid FROM request_log WHERE started_at < @cutoff ORDER BY started_at, rowid LIMIT @limit
        """;

    /// <summary>Deletes up to <paramref name="limit"/> rows started before the cutoff; returns how many.</summary>
    public static int Prune(WriterSession session, long cutoff, int limit)
    {
        var connection = session.Connection;
        var args = new { cutoff, limit };

        // Fold the rows into pruned_usage first: used must still equal the usage logged in the
        // current epoch, counting what retention took away.
        connection.Execute($"""
            INSERT INTO pruned_usage (team_id, reset_epoch, requests, total_tokens)
            SELECT team_id, reset_epoch, count(*), sum(total_tokens)
            FROM request_log WHERE rowid IN ({Batch})
            GROUP BY team_id, reset_epoch
            ON CONFLICT (team_id, reset_epoch) DO UPDATE
            SET requests = requests + excluded.requests, total_tokens = total_tokens + excluded.total_tokens
            """,
            args,
            session.Transaction);
        var deleted = connection.Execute(
            $"DELETE FROM request_log WHERE rowid IN ({Batch})", args, session.Transaction);

        // The file was created with auto_vacuum=INCREMENTAL: hand the freed pages back now, a
        // batch at a time, rather than let the file keep its high-water size forever.
        if (deleted > 0)
        {
            connection.Execute("PRAGMA incremental_vacuum", transaction: session.Transaction);
        }

        return deleted;
    }
}
