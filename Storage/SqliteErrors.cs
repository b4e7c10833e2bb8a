using Microsoft.Data.Sqlite;
using TokenRouter.Config;

namespace TokenRouter.Storage;

/// <summary>Tells a write that can never succeed from storage that is failing for now.</summary>
internal static class SqliteErrors
{
    private const int Permission = 3;
    private const int Busy = 5;
    private const int Locked = 6;
    private const int ReadOnly = 8;
    private const int Corrupt = 11;
    private const int Full = 13;
    private const int CannotOpen = 14;
    private const int TooBig = 18;
    private const int Constraint = 19;
    private const int Mismatch = 20;
    private const int Authorization = 23;
    private const int Range = 25;
    private const int NotADatabase = 26;

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

    /// <summary>
    /// Why the database could not be opened or written, for a person reading a command's error:
    /// in words of our own, never an exception's message (see <see cref="FileErrors"/>).
    /// </summary>
    public static string Reason(Exception error) =>
        error is SqliteException sqlite ? Reason(sqlite) : FileErrors.Reason(error);

    private static string Reason(SqliteException error) => error.SqliteErrorCode switch
    {
        Permission or Authorization => "permission denied for this user",
        ReadOnly => "it cannot be written (its permissions, or a read-only file system)",
        CannotOpen => "it cannot be opened or created (the folder's permissions, or the folder is gone)",
        NotADatabase => "the file is not an SQLite database",
        Corrupt => "the file is damaged",
        Full => "the disk is full",
        Busy or Locked => "another program holds it locked",
        var code => $"SQLite error {code}",
    };
}
