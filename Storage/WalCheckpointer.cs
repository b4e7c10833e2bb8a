using Microsoft.Data.Sqlite;

namespace TokenRouter.Storage;

/// <summary>
/// Folds the write-ahead log into the database file in the background, once a second when
/// something was committed. A checkpoint syncs both files to disk, which can take
/// milliseconds; run by SQLite inside a commit, it would stall every charge of that batch.
/// </summary>
/// <remarks>
/// The checkpoint is PASSIVE: it copies what no reader still needs and never waits for a lock,
/// so the writer goes on committing meanwhile. The writer keeps SQLite's own automatic
/// checkpoint at a larger size (<see cref="WriterBackstopPages"/>), for when this one falls behind.
/// </remarks>
internal sealed partial class WalCheckpointer : IAsyncDisposable
{
    /// <summary>The writer's own automatic checkpoint, in pages: about 40 MB of log.</summary>
    public const int WriterBackstopPages = 10_000;

    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly SqliteConnections _connections;
    private readonly Func<long> _commits;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private SqliteConnection? _connection;
    private Task? _loop;
    private long _checkpointedAt = -1;
    private bool _failing;

    public WalCheckpointer(SqliteConnections connections, Func<long> commits, ILogger logger)
    {
        _connections = connections;
        _commits = commits;
        _logger = logger;
    }

    public void Start() => _loop ??= Task.Run(RunAsync);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        _connection?.Dispose();
        _stop.Dispose();
    }

    private async Task RunAsync()
    {
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(_stop.Token).ConfigureAwait(false))
            {
                var commits = _commits();
                if (commits != _checkpointedAt && TryCheckpoint())
                {
                    _checkpointedAt = commits;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Stopping: the writer's last close folds what is left.
        }
    }

    private bool TryCheckpoint()
    {
        try
        {
            if (_connection is not null && SqliteFileIdentity.HasMoved(_connection, _connections.DatabasePath))
            {
                // Folding the log of a file that is no longer the database would only waste work.
                _connection.Dispose();
                _connection = null;
            }

            _connection ??= _connections.OpenCheckpointer();
            using var command = _connection.CreateCommand();
            command.CommandText = "PRAGMA wal_checkpoint(PASSIVE)";
            command.ExecuteNonQuery();
            if (_failing)
            {
                _failing = false;
                Log.Recovered(_logger);
            }

            return true;
        }
        catch (Exception error) when (error is SqliteException or IOException or UnauthorizedAccessException)
        {
            // The writer notices a storage failure by itself and refuses requests while it lasts;
            // here it only means the log stays unfolded until the next try.
            _connection?.Dispose();
            _connection = null;
            if (!_failing)
            {
                _failing = true;
                Log.Failed(_logger, error);
            }

            return false;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(320, LogLevel.Warning, "Checkpointing the write-ahead log failed; it is tried again every second.")]
        public static partial void Failed(ILogger logger, Exception error);

        [LoggerMessage(321, LogLevel.Information, "Checkpointing the write-ahead log works again.")]
        public static partial void Recovered(ILogger logger);
    }
}
