using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;

namespace TokenRouter.Storage;

/// <summary>
/// The one writer of the books. Every change is queued here and applied in queue order by a
/// single loop that takes all that is waiting (up to a batch limit) and writes it in one
/// transaction: a group commit, so a burst of charges costs one commit, not one each.
/// </summary>
/// <remarks>
/// The loop, for each batch:
/// 1. Begin an immediate transaction and apply every write in order.
/// 2. Commit. Then run the callbacks in order, then complete the callers' tasks.
/// 3. If one write is at fault (a constraint, a duplicate name), roll back, fail that write
///    alone and write the rest at once.
/// 4. If storage fails (locked, disk full, file gone), roll back, drop the connection, mark the
///    books unwritable and retry the same batch with a growing pause. Nothing queued is lost:
///    charges wait for as long as it takes; other changes are refused once past their deadline.
/// </remarks>
internal sealed partial class BooksWriter : IAsyncDisposable
{
    private readonly Channel<BooksWrite> _queue = Channel.CreateUnbounded<BooksWrite>(
        new UnboundedChannelOptions { SingleReader = true });

    private readonly SqliteConnections _connections;
    private readonly SqliteBooksOptions _options;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private WriterSession? _session;
    private Task? _loop;
    private volatile bool _writable = true;
    private long _giveUpAt = long.MaxValue;
    private long _commits;

    public BooksWriter(SqliteConnections connections, SqliteBooksOptions options, TimeProvider clock, ILogger logger)
    {
        _connections = connections;
        _options = options;
        _clock = clock;
        _logger = logger;
    }

    public bool IsWritable => _writable;

    /// <summary>Transactions committed so far; with group commit, far fewer than the writes.</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>
    /// Starts the loop on a connection whose schema is up to date; writes queued before wait for this.
    /// </summary>
    public void Start(SqliteConnection connection)
    {
        if (_loop is not null)
        {
            connection.Dispose();
            return;
        }

        _session = new WriterSession(connection, _connections.DatabasePath);
        _loop = Task.Run(RunAsync);
    }

    /// <exception cref="ObjectDisposedException">The books are closed.</exception>
    public void Enqueue(BooksWrite write)
    {
        if (!_queue.Writer.TryWrite(write))
        {
            throw new ObjectDisposedException(nameof(SqliteBooks), "The books are closed.");
        }
    }

    /// <summary>Stops taking writes, writes everything queued, then closes the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_queue.Writer.TryComplete())
        {
            return;
        }

        var drain = (long)(_options.DrainTimeout.TotalSeconds * Stopwatch.Frequency);
        Volatile.Write(ref _giveUpAt, Stopwatch.GetTimestamp() + drain);
        if (_loop is not null)
        {
            await _loop.ConfigureAwait(false);
        }

        // Only when the loop never started (the books were never opened) can anything be left.
        var lost = 0;
        while (_queue.Reader.TryRead(out var write))
        {
            write.Fail(new ObjectDisposedException(nameof(SqliteBooks), "The books were closed before this write."));
            lost++;
        }

        if (lost > 0)
        {
            Log.WritesLost(_logger, lost);
        }

        CloseSession();
    }

    private async Task RunAsync()
    {
        var batch = new List<BooksWrite>(_options.MaxBatchSize);
        var reader = _queue.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            TakeQueued(batch);

            try
            {
                await WriteAsync(batch).ConfigureAwait(false);
            }
            catch (Exception error)
            {
                // Not expected: every failure is handled in WriteAsync. The loop must outlive
                // it all the same, and no caller may wait forever.
                Log.WriterFault(_logger, error);
                foreach (var write in batch)
                {
                    write.Fail(error);
                }
            }

            batch.Clear();
        }
    }

    private async Task WriteAsync(List<BooksWrite> batch)
    {
        var delay = _options.RetryInitialDelay;
        while (true)
        {
            var (faulty, error) = TryCommit(batch);
            if (error is null)
            {
                if (!_writable)
                {
                    _writable = true;
                    Log.StorageRecovered(_logger, batch.Count);
                }

                Publish(batch);
                return;
            }

            if (faulty is not null)
            {
                // A domain error (a taken name) is the caller's to report; a database refusal is worth a look.
                batch.Remove(faulty);
                if (error is SqliteException)
                {
                    Log.WriteRefused(_logger, faulty.GetType().Name, error);
                }

                faulty.Fail(error);
                if (batch.Count == 0)
                {
                    return;
                }

                continue;
            }

            _writable = false;
            CloseSession();
            if (Stopwatch.GetTimestamp() > Volatile.Read(ref _giveUpAt))
            {
                Log.WritesLost(_logger, batch.Count);
                foreach (var write in batch)
                {
                    write.Fail(new IOException("The books were closed while storage was failing.", error));
                }

                return;
            }

            RefuseOverdue(batch, error);
            Log.StorageFailed(_logger, batch.Count, (long)delay.TotalMilliseconds, error);
            await Task.Delay(delay).ConfigureAwait(false);
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, _options.RetryMaxDelay.Ticks));

            // Writes queued meanwhile join the retry, so their own deadlines count too. With the
            // batch empty, the next attempt is an empty transaction: a probe that notices when
            // storage is back, as nothing else would while the gateway refuses new requests.
            TakeQueued(batch);
        }
    }

    /// <summary>Refuses the writes that may not wait any longer for storage to come back.</summary>
    private static void RefuseOverdue(List<BooksWrite> batch, Exception error)
    {
        var now = Stopwatch.GetTimestamp();
        batch.RemoveAll(write =>
        {
            if (now <= write.GiveUpAt)
            {
                return false;
            }

            write.Fail(new StorageUnavailableException(error));
            return true;
        });
    }

    private void TakeQueued(List<BooksWrite> batch)
    {
        while (batch.Count < _options.MaxBatchSize && _queue.Reader.TryRead(out var write))
        {
            batch.Add(write);
        }
    }

    /// <summary>
    /// One attempt at the batch: no error when committed, else what failed and, if one write is to blame, which.
    /// </summary>
    private (BooksWrite? Faulty, Exception? Error) TryCommit(List<BooksWrite> batch)
    {
        BooksWrite? current = null;
        try
        {
            _session ??= new WriterSession(_connections.OpenWriter(create: false), _connections.DatabasePath);
            _session.Begin(UnixMs.From(_clock.GetUtcNow()));
            foreach (var write in batch)
            {
                current = write;
                write.Attempts++;
                write.Apply(_session);
            }

            current = null;
            _session.Commit();
            Interlocked.Increment(ref _commits);
            return (null, null);
        }
        catch (Exception error)
        {
            _session?.Rollback();
            return (current is not null && SqliteErrors.IsFaultOfTheWrite(error) ? current : null, error);
        }
    }

    private void Publish(List<BooksWrite> batch)
    {
        foreach (var write in batch)
        {
            try
            {
                write.RunCommitted();
            }
            catch (Exception error)
            {
                // The write is durable; a failing callback must not undo that or stop the others.
                Log.CallbackFailed(_logger, error);
            }
        }

        foreach (var write in batch)
        {
            if (write.Refusal is { } refusal)
            {
                Log.WriteRefused(_logger, write.GetType().Name, refusal);
            }

            write.Complete();
        }
    }

    /// <summary>Closes the writer's connection; the next attempt opens a new one.</summary>
    /// <remarks>
    /// No explicit checkpoint: when the last connection to the file closes, SQLite folds the WAL
    /// into the database and removes it by itself. A forced TRUNCATE checkpoint would instead wait
    /// on, and hold up, any other process that has the file open (a backup from the command line).
    /// </remarks>
    private void CloseSession()
    {
        _session?.Dispose();
        _session = null;
    }

    private static partial class Log
    {
        [LoggerMessage(301, LogLevel.Warning,
            "Storage write failed; {Count} queued writes are kept and retried in {DelayMs} ms.")]
        public static partial void StorageFailed(ILogger logger, int count, long delayMs, Exception error);

        [LoggerMessage(302, LogLevel.Information, "Storage is writable again; {Count} queued writes committed.")]
        public static partial void StorageRecovered(ILogger logger, int count);

        [LoggerMessage(303, LogLevel.Warning, "A {Write} was refused by the database and not written.")]
        public static partial void WriteRefused(ILogger logger, string write, Exception error);

        [LoggerMessage(304, LogLevel.Error, "A callback after a committed write failed.")]
        public static partial void CallbackFailed(ILogger logger, Exception error);

        [LoggerMessage(305, LogLevel.Error,
            "{Count} writes could not be stored before the books were closed and are lost.")]
        public static partial void WritesLost(ILogger logger, int count);

        [LoggerMessage(306, LogLevel.Critical,
            "The storage writer hit an unexpected error; the writes of its batch failed.")]
        public static partial void WriterFault(ILogger logger, Exception error);
    }
}
