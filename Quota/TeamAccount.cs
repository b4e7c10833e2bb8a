using TokenRouter.Storage;

namespace TokenRouter.Quota;

/// <summary>
/// A team's live standing: its stored policy, its used tokens as committed to the books,
/// and the tokens reserved by requests in flight. All changes happen under one lock, so a
/// reservation is atomic against every other request of the team.
/// </summary>
internal sealed class TeamAccount
{
    private readonly Lock _gate = new();
    private readonly TimeProvider _clock;
    private Team _team;
    private long _used;
    private long _reserved;
    private TeamRateLimits? _rateLimits;
    private (QuotaPeriod Period, DateTimeOffset From, DateTimeOffset? Next)? _nextReset;

    public TeamAccount(Team team, TimeProvider clock)
    {
        _clock = clock;
        _team = team;
        _used = team.Used;
        _rateLimits = CreateRateLimits(team);
    }

    /// <summary>The team's RPM/TPM windows; null when it has neither limit.</summary>
    public TeamRateLimits? RateLimits => Volatile.Read(ref _rateLimits);

    /// <summary>When the current quota period ends (null for a quota without period).</summary>
    public DateTimeOffset? NextResetAt(TimeZoneInfo zone)
    {
        lock (_gate)
        {
            if (_nextReset is not { } cached || cached.Period != _team.Period || cached.From != _team.PeriodStartedAt)
            {
                cached = (_team.Period, _team.PeriodStartedAt, QuotaPeriods.NextBoundary(_team.Period, _team.PeriodStartedAt, zone));
                _nextReset = cached;
            }

            return cached.Next;
        }
    }

    /// <summary>The stored team with the live used count.</summary>
    public Team Team
    {
        get
        {
            lock (_gate)
            {
                return _team with { Used = _used };
            }
        }
    }

    public long Id => _team.Id;

    public long Reserved
    {
        get
        {
            lock (_gate)
            {
                return _reserved;
            }
        }
    }

    /// <summary>
    /// Reserves the request's worst case. A request that states its output limit must fit
    /// whole; one that does not is given the default allowance, or what remains if less, as
    /// long as its prompt fits.
    /// </summary>
    public QuotaDecision TryReserve(long promptTokens, long? maxOutputTokens, long defaultAllowance)
    {
        lock (_gate)
        {
            var quota = _team.Quota;
            var free = quota - _used - _reserved;
            if (_used >= quota)
            {
                return QuotaDecision.Refuse(QuotaRefusal.Exhausted(quota, _used));
            }

            long amount;
            if (maxOutputTokens is { } limit)
            {
                amount = promptTokens + limit;
                if (amount > free)
                {
                    return QuotaDecision.Refuse(QuotaRefusal.DoesNotFit(quota, _used, _reserved, amount));
                }
            }
            else
            {
                if (promptTokens >= free)
                {
                    return QuotaDecision.Refuse(QuotaRefusal.DoesNotFit(quota, _used, _reserved, promptTokens + 1));
                }

                amount = Math.Min(promptTokens + defaultAllowance, free);
            }

            _reserved += amount;
            return QuotaDecision.Admit(new Reservation(this, amount));
        }
    }

    /// <summary>Called once the charge is durable: the real usage replaces the reservation.</summary>
    internal void Settle(long reservedAmount, long chargedTokens)
    {
        lock (_gate)
        {
            _reserved -= reservedAmount;
            _used += chargedTokens;
        }
    }

    /// <summary>Takes the team's new policy (name, quota, limits) without touching the counters.</summary>
    public void ApplyPolicy(Team team)
    {
        lock (_gate)
        {
            if (team.ResetEpoch < _team.ResetEpoch)
            {
                // The row was read before a reset that has since been applied: keep the newer period.
                team = team with { ResetEpoch = _team.ResetEpoch, PeriodStartedAt = _team.PeriodStartedAt };
            }

            if (team.RequestsPerMinute != _team.RequestsPerMinute || team.TokensPerMinute != _team.TokensPerMinute)
            {
                _rateLimits = CreateRateLimits(team);
            }

            _team = team;
        }
    }

    private TeamRateLimits? CreateRateLimits(Team team) =>
        team.RequestsPerMinute is null && team.TokensPerMinute is null
            ? null
            : new TeamRateLimits(team.RequestsPerMinute, team.TokensPerMinute, _clock);

    /// <summary>Takes a committed reset: used comes from the stored row, reservations stay.</summary>
    public void ApplyReset(Team team)
    {
        lock (_gate)
        {
            _team = team;
            _used = team.Used;
        }
    }
}
