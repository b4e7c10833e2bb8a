using System.Globalization;
using Microsoft.Data.Sqlite;

namespace TokenRouter.Storage;

/// <summary>
/// Opens connections to the books with the settings every connection needs, and keeps a small
/// pool of read connections: in WAL mode readers never wait for the writer, or it for them.
/// </summary>
internal sealed class SqliteConnections : IDisposable
{
    private static readonly Lazy<bool> Provider = new(() =>
    {
        // The published binary links e_sqlite3 statically; this binds SQLitePCLRaw to it
        // directly instead of Microsoft.Data.Sqlite's reflection-based lookup, which trimming removes.
        SQLitePCL.Batteries_V2.Init();
        return true;
    });

    private readonly Lock _gate = new();
    private readonly Stack<SqliteConnection> _idleReaders = new();
    private readonly string _createConnectionString;
    private readonly string _openConnectionString;
    private readonly int _busyTimeoutMs;
    private readonly int _maxIdleReaders;
    private bool _disposed;

    public SqliteConnections(SqliteBooksOptions options)
    {
        _ = Provider.Value;
        DatabasePath = Path.GetFullPath(options.DatabasePath);
        _busyTimeoutMs = (int)options.BusyTimeout.TotalMilliseconds;
        _maxIdleReaders = options.ReadPoolSize;

        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,

            // Connections are pooled here, with their PRAGMAs applied once; disposing one closes it.
            Pooling = false,

            // Microsoft.Data.Sqlite retries SQLITE_BUSY on its own until this many seconds have
            // passed; keep it close to SQLite's busy_timeout so a lock fails in about that long.
            DefaultTimeout = Math.Max(1, (int)Math.Ceiling(options.BusyTimeout.TotalSeconds)),
        };
        _createConnectionString = builder.ToString();

        // Only the first open may create the file: a writer that reconnects after the file went
        // missing must fail until it is back, not start an empty database in its place.
        builder.Mode = SqliteOpenMode.ReadWrite;
        _openConnectionString = builder.ToString();
    }

    public string DatabasePath { get; }

    /// <summary>A connection for the single writer: WAL, NORMAL sync (a commit survives a process kill).</summary>
    public SqliteConnection OpenWriter(bool create)
    {
        if (create)
        {
            var directory = Path.GetDirectoryName(DatabasePath);
            if (!string.IsNullOrEmpty(directory))
            {
                Directory.CreateDirectory(directory);
            }
        }

        // auto_vacuum comes first: it only takes on a file without tables, and only before the
        // switch to WAL writes the file's first page. With it, retention gives freed pages back
        // to the file system. On an existing file it changes nothing.
        var connection = Open(create ? _createConnectionString : _openConnectionString, $"""
            PRAGMA busy_timeout = {_busyTimeoutMs.ToString(CultureInfo.InvariantCulture)};
            PRAGMA auto_vacuum = INCREMENTAL;
            PRAGMA journal_mode = WAL;
            PRAGMA synchronous = NORMAL;
            PRAGMA foreign_keys = ON;
            PRAGMA journal_size_limit = 67108864;
            PRAGMA wal_autocheckpoint = {WalCheckpointer.WriterBackstopPages.ToString(CultureInfo.InvariantCulture)};
            """);
        return connection;
    }

    /// <summary>A connection for <see cref="WalCheckpointer"/>: it writes to the file, so it cannot be a reader.</summary>
    public SqliteConnection OpenCheckpointer() => Open(_openConnectionString, $"""
        PRAGMA busy_timeout = {_busyTimeoutMs.ToString(CultureInfo.InvariantCulture)};
        PRAGMA wal_autocheckpoint = 0;
        """);

    /// <summary>Lends a read connection; dispose the lease to give it back.</summary>
    /// <remarks>
    /// An idle reader whose file is no longer the one at the path (the database was deleted and
    /// restored, or replaced) is closed instead of lent: it would show the old file, frozen.
    /// </remarks>
    public ReadLease Read()
    {
        while (TakeIdleReader() is { } idle)
        {
            if (!SqliteFileIdentity.HasMoved(idle, DatabasePath))
            {
                return new ReadLease(this, idle);
            }

            idle.Dispose();
        }

        return new ReadLease(this, Open(_openConnectionString, $"""
            PRAGMA busy_timeout = {_busyTimeoutMs.ToString(CultureInfo.InvariantCulture)};
            PRAGMA query_only = ON;
            """));
    }

    /// <summary>A plain connection for one-off work such as the backup's destination.</summary>
    public static SqliteConnection OpenFile(string path)
    {
        _ = Provider.Value;
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        connection.Open();
        return connection;
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            while (_idleReaders.TryPop(out var connection))
            {
                connection.Dispose();
            }
        }
    }

    private SqliteConnection? TakeIdleReader()
    {
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _idleReaders.TryPop(out var connection) ? connection : null;
        }
    }

    private void Return(SqliteConnection connection)
    {
        lock (_gate)
        {
            if (!_disposed && _idleReaders.Count < _maxIdleReaders)
            {
                _idleReaders.Push(connection);
                return;
            }
        }

        connection.Dispose();
    }

    private static SqliteConnection Open(string connectionString, string pragmas)
    {
        var connection = new SqliteConnection(connectionString);
        try
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = pragmas;
            command.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    internal readonly struct ReadLease(SqliteConnections owner, SqliteConnection connection) : IDisposable
    {
        public SqliteConnection Connection { get; } = connection;

        public void Dispose() => owner.Return(Connection);
    }
}
