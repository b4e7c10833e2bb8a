namespace TokenRouter.Storage;

/// <summary>How the SQLite books run. Only the path comes from the settings; the rest are tuned defaults.</summary>
internal sealed record SqliteBooksOptions(string DatabasePath)
{
    /// <summary>How long a statement waits for a lock held by another process before it fails.</summary>
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Most writes grouped into one transaction.</summary>
    public int MaxBatchSize { get; init; } = 1024;

    /// <summary>Read connections kept open between reads.</summary>
    public int ReadPoolSize { get; init; } = 8;

    /// <summary>First pause after a failed write; it doubles up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryInitialDelay { get; init; } = TimeSpan.FromMilliseconds(50);

    public TimeSpan RetryMaxDelay { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long disposal keeps retrying queued writes while storage fails; what is still
    /// unwritten after that is reported as lost.
    /// </summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long a change other than a charge (a team edit, a reset) waits for failing storage
    /// before it is refused with <see cref="StorageUnavailableException"/>. Charges never give up.
    /// </summary>
    public TimeSpan ChangeTimeout { get; init; } = TimeSpan.FromSeconds(10);
}
