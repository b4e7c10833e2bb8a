namespace TokenRouter.Quota;

/// <summary>
/// Rolls quota periods over for teams that send nothing at the boundary, so that their
/// usage reads 0 and the reset is recorded on time. Busy teams are rolled over by their
/// next request, whichever comes first.
/// </summary>
internal sealed class PeriodResetService(TeamDirectory teams, QuotaGate gate, TimeProvider clock) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, clock);
        do
        {
            foreach (var account in teams.All)
            {
                try
                {
                    await gate.ResetIfDueAsync(account);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // The books refused the write; the writer logs it and the next tick retries.
                }
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
