using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace TokenRouter.Storage;

/// <summary>
/// Whether a connection still has open the file that is at the database's path. SQLite goes on
/// using a file that was deleted, moved away or replaced (a restored copy) through the handle it
/// holds: what it reads there is frozen, and what it writes there is lost.
/// </summary>
internal static class SqliteFileIdentity
{
    private const int Ok = 0;
    private const int HasMovedControl = 20;

    /// <summary>True when the file at <paramref name="path"/> is not the one the connection has open, or is gone.</summary>
    public static bool HasMoved(SqliteConnection connection, string path)
    {
        // SQLite's Unix file layer compares the inode it holds with the one at the path
        // (SQLITE_FCNTL_HAS_MOVED). Other systems do not answer; there only a missing file shows.
        var handle = connection.Handle ?? throw new InvalidOperationException("The connection is not open.");
        var answer = FileControl(handle.DangerousGetHandle(), IntPtr.Zero, HasMovedControl, out var moved);
        return answer == Ok ? moved != 0 : !File.Exists(path);
    }

    // A null database name means "main". Only blittable arguments, so AOT binds it like SQLitePCLRaw's own calls.
    [DllImport("e_sqlite3", EntryPoint = "sqlite3_file_control", CallingConvention = CallingConvention.Cdecl)]
    private static extern int FileControl(IntPtr database, IntPtr databaseName, int operation, out int result);
}
