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
    private Team _team;
    private long _used;
    private long _reserved;

    public TeamAccount(Team team)
    {
        _team = team;
        _used = team.Used;
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
            _team = team;
        }
    }

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
