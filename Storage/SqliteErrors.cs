using Microsoft.Data.Sqlite;

namespace TokenRouter.Storage;

/// <summary>Tells a write that can never succeed from storage that is failing for now.</summary>
internal static class SqliteErrors
{
    private const int TooBig = 18;
    private const int Constraint = 19;
    private const int Mismatch = 20;
    private const int Range = 25;

    /// <summary>
    /// True when the error belongs to the write that raised it: the database refused its data
    /// (a constraint, a value too big), or the write refused itself (a taken name, a bad value).
    /// Everything else (busy, locked, I/O, disk full, file gone, a broken schema, the unexpected)
    /// counts as storage failing, and the whole batch is kept and retried: a stalled writer is
    /// loud, a dropped record would not be.
    /// </summary>
    public static bool IsFaultOfTheWrite(Exception error) => error switch
    {
        SqliteException sqlite => sqlite.SqliteErrorCode is TooBig or Constraint or Mismatch or Range,
        DuplicateTeamNameException or ArgumentException or FormatException or InvalidCastException => true,
        _ => false,
    };
}
