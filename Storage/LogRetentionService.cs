namespace TokenRouter.Storage;

/// <summary>
/// Deletes request log rows older than the retention period (LOG_RETENTION_DAYS): at start,
/// then every hour. Each batch is one small write queued behind the charges waiting at that
/// moment, so live writes never wait for more than one batch.
/// </summary>
internal sealed partial class LogRetentionService(
    IBooks books, TimeSpan retention, TimeProvider clock, ILogger<LogRetentionService> logger) : BackgroundService
{
    public const int BatchSize = 500;
    public static readonly TimeSpan Interval = TimeSpan.FromHours(1);

    /// <summary>Prunes everything older than the retention period, a batch at a time; returns how many.</summary>
    public async Task<long> PruneAsync(CancellationToken cancellationToken)
    {
        var cutoff = clock.GetUtcNow() - retention;
        long pruned = 0;
        int deleted;
        do
        {
            deleted = await books.PruneLogsAsync(cutoff, BatchSize, cancellationToken).ConfigureAwait(false);
            pruned += deleted;
        }
        while (deleted == BatchSize);

        if (pruned > 0)
        {
            Log.Pruned(logger, pruned, cutoff);
        }

        return pruned;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            try
            {
                await PruneAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception error) when (!stoppingToken.IsCancellationRequested)
            {
                // Retention can wait for the next round; it must not take the server down.
                Log.PruneFailed(logger, error);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    private static partial class Log
    {
        [LoggerMessage(310, LogLevel.Information,
            "Log retention deleted {Count} request log rows older than {Cutoff:u}.")]
        public static partial void Pruned(ILogger logger, long count, DateTimeOffset cutoff);

        [LoggerMessage(311, LogLevel.Warning, "Log retention failed; it runs again in an hour.")]
        public static partial void PruneFailed(ILogger logger, Exception error);
    }
}
