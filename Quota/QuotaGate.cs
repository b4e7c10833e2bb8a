using System.Collections.Concurrent;
using TokenRouter.Config;
using TokenRouter.Storage;

namespace TokenRouter.Quota;

/// <summary>
/// Decides whether a team's request may go ahead: its quota period is rolled over if a
/// boundary has passed, then its rate limits are checked, then its worst case is reserved.
/// </summary>
internal sealed class QuotaGate(IBooks books, TeamDirectory teams, RouterSettings settings, TimeProvider clock)
{
    private readonly ConcurrentDictionary<long, SemaphoreSlim> _resetGates = new();

    public async ValueTask<GateDecision> AdmitAsync(TeamAccount account, long promptTokens, long? maxOutputTokens)
    {
        await ResetIfDueAsync(account);

        var limits = account.RateLimits;
        if (limits is not null)
        {
            var rate = limits.TryAcquire(promptTokens, maxOutputTokens, settings.DefaultCompletionAllowance);
            if (!rate.Admitted)
            {
                return new GateDecision(null, null, rate, limits);
            }
        }

        var quota = account.TryReserve(promptTokens, maxOutputTokens, settings.DefaultCompletionAllowance);
        return new GateDecision(quota.Reservation, quota.Refusal, null, limits);
    }

    /// <summary>
    /// Starts a new period for the team when its boundary has passed. Concurrent callers wait
    /// for one reset, and the ledger takes it in the writer's commit order.
    /// </summary>
    public async Task ResetIfDueAsync(TeamAccount account)
    {
        if (!IsDue(account))
        {
            return;
        }

        var gate = _resetGates.GetOrAdd(account.Id, static _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync();
        try
        {
            if (IsDue(account))
            {
                // The new period starts at the boundary, not whenever this reset happens to run.
                var team = account.Team;
                var (start, _) = QuotaPeriods.Current(team.Period, team.PeriodStartedAt, clock.GetUtcNow(), settings.QuotaTimeZone);
                await books.ResetUsageAsync(account.Id, ResetReason.PeriodBoundary(team.Period, start), teams.ApplyReset);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// The team as it stands now, with when its period ends: once a boundary has passed, used is 0
    /// and the period is the new one, even before the reset has been written.
    /// </summary>
    public (Team Team, DateTimeOffset? NextResetAt) Current(Team team)
    {
        var (start, end) = QuotaPeriods.Current(team.Period, team.PeriodStartedAt, clock.GetUtcNow(), settings.QuotaTimeZone);
        return (start == team.PeriodStartedAt ? team : team with { Used = 0, PeriodStartedAt = start }, end);
    }

    private bool IsDue(TeamAccount account) =>
        account.NextResetAt(settings.QuotaTimeZone) is { } next && clock.GetUtcNow() >= next;
}

/// <summary>Admitted with a reservation, or refused for quota or for rate; with the team's rate limits, if any.</summary>
internal sealed record GateDecision(
    Reservation? Reservation, QuotaRefusal? QuotaRefusal, RateDecision? RateRefusal, TeamRateLimits? Limits);
