using System.Diagnostics;
using Dapper;
using TokenRouter.Config;

namespace TokenRouter.Storage;

/// <summary>
/// The books on SQLite. Every change goes through the single <see cref="BooksWriter"/>, so
/// the process never competes with itself for SQLite's write lock and "database is locked"
/// cannot come from within; reads use a pool of their own connections, which WAL mode lets
/// run alongside the writer.
/// </summary>
[DapperAot]
internal sealed partial class SqliteBooks : IBooks
{
    private readonly SqliteConnections _connections;
    private readonly BooksWriter _writer;
    private readonly SqliteBooksOptions _options;
    private readonly WalCheckpointer _checkpointer;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private int _disposed;

    public SqliteBooks(SqliteBooksOptions options, TimeProvider clock, ILogger<SqliteBooks> logger)
    {
        _connections = new SqliteConnections(options);
        _options = options;
        _clock = clock;
        _logger = logger;
        _writer = new BooksWriter(_connections, options, clock, logger);
        _checkpointer = new WalCheckpointer(_connections, () => _writer.Commits, logger);
    }

    public string DatabasePath => _connections.DatabasePath;

    public bool IsWritable => _writer.IsWritable;

    /// <inheritdoc cref="BooksWriter.Commits"/>
    public long Commits => _writer.Commits;

    public Task MigrateAsync(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var connection = _connections.OpenWriter(create: true);
        try
        {
            var applied = SqliteSchema.Migrate(connection);
            Log.Migrated(_logger, DatabasePath, SqliteSchema.CurrentVersion(connection), applied);
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        _writer.Start(connection);
        _checkpointer.Start();
        return Task.CompletedTask;
    }

    public Task<Team> CreateTeamAsync(NewTeam team, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(team.Name);
        ArgumentException.ThrowIfNullOrEmpty(team.TokenHash);
        ArgumentOutOfRangeException.ThrowIfNegative(team.Quota);
        _ = TeamRow.FormatModels(team.Models);
        return Enqueue(session => TeamWrites.Create(session, team), cancellationToken);
    }

    public Task<Team?> UpdateTeamAsync(long id, TeamChanges changes, CancellationToken cancellationToken)
    {
        if (changes.Name is not null)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(changes.Name);
        }

        if (changes.Quota is { } quota)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(quota);
        }

        if (changes.Models is { } models)
        {
            _ = TeamRow.FormatModels(models);
        }

        return Enqueue(session => TeamWrites.Update(session, id, changes), cancellationToken);
    }

    public Task<bool> DeleteTeamAsync(long id, CancellationToken cancellationToken) =>
        Enqueue(session => TeamWrites.Delete(session, id), cancellationToken);

    public Task<Team?> ReplaceTokenAsync(
        long id, string tokenHash, string tokenPrefix, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(tokenHash);
        return Enqueue(session => TeamWrites.ReplaceToken(session, id, tokenHash, tokenPrefix), cancellationToken);
    }

    public ValueTask ChargeAsync(UsageRecord record, Action? committed = null)
    {
        // Checked here, on the caller, so a bad record is the caller's error and never reaches the batch.
        ArgumentException.ThrowIfNullOrEmpty(record.RequestId);
        ArgumentNullException.ThrowIfNull(record.Model);
        ArgumentNullException.ThrowIfNull(record.Endpoint);
        ArgumentOutOfRangeException.ThrowIfNegative(record.TotalTokens);

        var write = new ChargeWrite(record, committed);
        _writer.Enqueue(write);
        return new ValueTask(write.Task);
    }

    public Task<Team?> ResetUsageAsync(long teamId, ResetReason reason, Action<Team>? committed = null)
    {
        if (!reason.WaitsForStorage && !IsWritable)
        {
            return Task.FromException<Team?>(Unavailable());
        }

        var write = new ResetWrite(teamId, reason, committed)
        {
            GiveUpAt = reason.WaitsForStorage ? long.MaxValue : ChangeDeadline(),
        };
        _writer.Enqueue(write);
        return write.Task;
    }

    public Task<bool> SaveAlertMarkAsync(AlertMark mark, CancellationToken cancellationToken) =>
        Enqueue(session => AlertMarks.Save(session, mark), cancellationToken);

    public Task AddProtectionKeyAsync(string name, string xml, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(xml);
        return Enqueue(
            session => session.Connection.Execute(
                "INSERT INTO protection_keys (name, xml, created_at) VALUES (@name, @xml, @now)",
                new { name, xml, now = session.Now },
                session.Transaction),
            cancellationToken);
    }

    public Task<int> PruneLogsAsync(DateTimeOffset olderThan, int batchSize, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        var cutoff = UnixMs.From(olderThan);
        return Enqueue(session => LogWrites.Prune(session, cutoff, batchSize), cancellationToken);
    }

    public async Task BackupAsync(string path, CancellationToken cancellationToken)
    {
        var destination = Path.GetFullPath(path);
        if (string.Equals(destination, DatabasePath, StringComparison.Ordinal))
        {
            throw new ArgumentException("The backup cannot replace the live database.", nameof(path));
        }

        cancellationToken.ThrowIfCancellationRequested();

        // Copy to a file beside the target and rename it into place, so the target is never half written.
        var partial = destination + ".partial";
        await Task.Run(() =>
        {
            File.Delete(partial);

            // Owner-only before SQLite writes a byte into it: the copy holds what the database
            // holds, and a rename keeps the mode.
            FileSecrecy.CreateOwnerOnly(partial);
            using (var lease = _connections.Read())
            using (var copy = SqliteConnections.OpenFile(partial))
            {
                // One step under one read transaction: a consistent snapshot, and in WAL mode
                // the writer goes on committing meanwhile.
                lease.Connection.BackupDatabase(copy);

                // The copy is a plain single file: no -wal to carry along with it.
                using var command = copy.CreateCommand();
                command.CommandText = "PRAGMA journal_mode = DELETE";
                command.ExecuteNonQuery();
            }

            File.Move(partial, destination, overwrite: true);
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _checkpointer.DisposeAsync().ConfigureAwait(false);
        _connections.Dispose();
        await _writer.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Queues a change behind the writes already queued. Cancelling stops the wait, not a
    /// change the writer has already taken.
    /// </summary>
    private Task<T> Enqueue<T>(Func<WriterSession, T> operation, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (!IsWritable)
        {
            return Task.FromException<T>(Unavailable());
        }

        var write = new OperationWrite<T>(operation) { GiveUpAt = ChangeDeadline() };
        _writer.Enqueue(write);
        return write.Task.WaitAsync(cancellationToken);
    }

    // A change is refused at once while storage is known to fail: an admin or a script waiting
    // on it would rather hear so than hang. The writer's own probing notices when it is back.
    private static StorageUnavailableException Unavailable() => new();

    private long ChangeDeadline() =>
        Stopwatch.GetTimestamp() + (long)(_options.ChangeTimeout.TotalSeconds * Stopwatch.Frequency);

    private static partial class Log
    {
        [LoggerMessage(300, LogLevel.Information,
            "Opened the database {Path} at schema version {Version} ({Applied} migrations applied).")]
        public static partial void Migrated(ILogger logger, string path, long version, int applied);
    }
}
