namespace TokenRouter.Storage;

/// <summary>
/// Everything TokenRouter keeps: teams and the books (request log, usage, resets).
/// All SQL lives behind this interface so that another database can be added without
/// touching the proxy or the admin API.
/// </summary>
/// <remarks>
/// Charges and resets go through one ordered stream of writes. Each takes a callback that
/// runs after its write is durable, in commit order, so the in-memory ledger sees exactly
/// the sequence the database saw.
/// Every change but a charge or a period reset is refused with <see cref="StorageUnavailableException"/>
/// while storage is failing: at once when the books already know, else after a bounded wait.
/// </remarks>
internal interface IBooks : IAsyncDisposable
{
    /// <summary>Creates the database if needed and applies pending migrations.</summary>
    Task MigrateAsync(CancellationToken cancellationToken);

    Task<IReadOnlyList<Team>> ListTeamsAsync(CancellationToken cancellationToken);
    Task<Team?> GetTeamAsync(long id, CancellationToken cancellationToken);
    Task<Team?> GetTeamByNameAsync(string name, CancellationToken cancellationToken);

    /// <exception cref="DuplicateTeamNameException">Another team has that name.</exception>
    Task<Team> CreateTeamAsync(NewTeam team, CancellationToken cancellationToken);

    /// <summary>Applies the non-null fields of <paramref name="changes"/>; null when no such team.</summary>
    /// <exception cref="DuplicateTeamNameException">Another team has the new name.</exception>
    Task<Team?> UpdateTeamAsync(long id, TeamChanges changes, CancellationToken cancellationToken);

    /// <summary>Deletes the team; its request log rows stay. False when no such team.</summary>
    Task<bool> DeleteTeamAsync(long id, CancellationToken cancellationToken);

    /// <summary>Replaces the token hash and prefix; the old token stops matching at once.</summary>
    Task<Team?> ReplaceTokenAsync(long id, string tokenHash, string tokenPrefix, CancellationToken cancellationToken);

    /// <summary>
    /// Appends a request log row and adds its total to the team's used count in one
    /// transaction (grouped with other writes). Completes when the row is durable;
    /// <paramref name="committed"/> runs first, on the writer, in commit order.
    /// </summary>
    /// <remarks>
    /// While storage fails the record is kept and retried (see <see cref="IsWritable"/>); it is
    /// never dropped silently. A record that can never be written faults the task with
    /// <see cref="ChargeRejectedException"/> and its callback does not run.
    /// </remarks>
    ValueTask ChargeAsync(UsageRecord record, Action? committed = null);

    /// <summary>
    /// Sets the team's used count to 0, starts a new epoch and records who reset it and why.
    /// <paramref name="committed"/> receives the team as stored after the reset.
    /// </summary>
    Task<Team?> ResetUsageAsync(long teamId, ResetReason reason, Action<Team>? committed = null);

    Task<IReadOnlyList<UsageReset>> ListResetsAsync(long teamId, int limit, CancellationToken cancellationToken);

    /// <summary>
    /// Remembers which quota alert was last announced for the team in <see cref="AlertMark.ResetEpoch"/>.
    /// False when the team was reset or deleted since: a reset clears the marks.
    /// </summary>
    Task<bool> SaveAlertMarkAsync(AlertMark mark, CancellationToken cancellationToken);

    /// <summary>The alert marks of the live teams' current epochs.</summary>
    Task<IReadOnlyList<AlertMark>> ListAlertMarksAsync(CancellationToken cancellationToken);

    Task<LogPage> QueryLogsAsync(LogQuery query, CancellationToken cancellationToken);

    /// <summary>Usage totals, a time series and breakdowns for the admin charts, aggregated in the database.</summary>
    Task<UsageSummary> SummarizeUsageAsync(UsageQuery query, CancellationToken cancellationToken);

    /// <summary>Writes a consistent copy of the live database to <paramref name="path"/>.</summary>
    Task BackupAsync(string path, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes up to <paramref name="batchSize"/> log rows older than the cutoff and returns how many.
    /// The usage they carried stays in the books, and the space they took is given back.
    /// </summary>
    Task<int> PruneLogsAsync(DateTimeOffset olderThan, int batchSize, CancellationToken cancellationToken);

    /// <summary>The elements of the data-protection key ring, as XML text, oldest first.</summary>
    Task<IReadOnlyList<string>> ListProtectionKeysAsync(CancellationToken cancellationToken);

    /// <summary>Adds an element to the data-protection key ring, under the framework's label for it.</summary>
    Task AddProtectionKeyAsync(string name, string xml, CancellationToken cancellationToken);

    /// <summary>
    /// Keeps an admin panel session's sealed ticket under <paramref name="id"/> (new or renewed),
    /// and forgets the sessions that have expired.
    /// </summary>
    Task StoreSessionAsync(string id, byte[] ticket, DateTimeOffset expiresAt, CancellationToken cancellationToken);

    /// <summary>The session's sealed ticket; null when it was removed or has expired.</summary>
    Task<byte[]?> FindSessionAsync(string id, CancellationToken cancellationToken);

    Task RemoveSessionAsync(string id, CancellationToken cancellationToken);

    /// <summary>True while the last write succeeded (or none failed since).</summary>
    bool IsWritable { get; }
}

internal sealed record NewTeam(
    string Name,
    long Quota,
    string TokenHash,
    string TokenPrefix)
{
    public QuotaPeriod Period { get; init; } = QuotaPeriod.None;
    public IReadOnlyList<string> Models { get; init; } = [];
    public int? RequestsPerMinute { get; init; }
    public long? TokensPerMinute { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public bool Enabled { get; init; } = true;
}

/// <summary>A partial update; null means "leave as is". The Clear* flags set a nullable field to null.</summary>
internal sealed record TeamChanges
{
    public string? Name { get; init; }
    public long? Quota { get; init; }
    public QuotaPeriod? Period { get; init; }
    public IReadOnlyList<string>? Models { get; init; }
    public int? RequestsPerMinute { get; init; }
    public bool ClearRequestsPerMinute { get; init; }
    public long? TokensPerMinute { get; init; }
    public bool ClearTokensPerMinute { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public bool ClearExpiresAt { get; init; }
    public bool? Enabled { get; init; }
}

/// <summary>Why a team's used count went back to 0.</summary>
internal sealed record ResetReason(string Kind, string By)
{
    /// <summary>
    /// A period reset runs in the request path, in order with the charges, and like them waits
    /// for failing storage for as long as it takes; a manual one is refused instead.
    /// </summary>
    public bool WaitsForStorage => Kind == "period";

    public static ResetReason Manual(string by) => new("manual", by);
    public static ResetReason PeriodBoundary(QuotaPeriod period) => new("period", period.ToString().ToLowerInvariant());
}

internal sealed record UsageReset(long TeamId, DateTimeOffset At, string Kind, string By, long UsedBefore);

internal sealed record LogQuery
{
    public long? TeamId { get; init; }
    public string? Model { get; init; }
    public int? Status { get; init; }
    public DateTimeOffset? From { get; init; }
    public DateTimeOffset? To { get; init; }

    /// <summary>Rows per page, newest first.</summary>
    public int Limit { get; init; } = 50;

    /// <summary>Rows to skip (page * limit).</summary>
    public int Offset { get; init; }
}

internal sealed record LogPage(IReadOnlyList<LogEntry> Items, long Total);

/// <summary>A request log row joined with its team's current name.</summary>
internal sealed record LogEntry(UsageRecord Record, string? TeamName);

internal sealed class DuplicateTeamNameException(string name)
    : Exception($"A team named '{name}' already exists.")
{
    public string Name { get; } = name;
}

/// <summary>A charge that can never be written: its request id is already logged, or its team does not exist.</summary>
internal sealed class ChargeRejectedException(string requestId, string reason)
    : Exception($"The charge for request '{requestId}' was not written: {reason}.")
{
    public string RequestId { get; } = requestId;
}

/// <summary>Storage is failing, and a change that may not wait for it was not written.</summary>
internal sealed class StorageUnavailableException(Exception? cause = null)
    : IOException("The database cannot be written right now.", cause);
