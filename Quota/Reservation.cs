namespace TokenRouter.Quota;

/// <summary>
/// Tokens held against a team's quota while its request is in flight. Settled exactly once,
/// by the commit of the request's charge; a reservation that is never settled (a crash) is
/// simply gone after a restart, because only settled usage is stored.
/// </summary>
internal sealed class Reservation(TeamAccount account, long amount)
{
    private int _settled;

    public long Amount { get; } = amount;

    /// <summary>Replaces the reservation with what the request really cost.</summary>
    public void Settle(long chargedTokens)
    {
        if (Interlocked.Exchange(ref _settled, 1) == 0)
        {
            account.Settle(Amount, chargedTokens);
        }
    }
}

internal readonly record struct QuotaDecision(Reservation? Reservation, QuotaRefusal? Refusal)
{
    public static QuotaDecision Admit(Reservation reservation) => new(reservation, null);
    public static QuotaDecision Refuse(QuotaRefusal refusal) => new(null, refusal);
}

/// <summary>Why a request does not fit the team's quota, in words the client is shown.</summary>
internal sealed record QuotaRefusal(long Quota, long Used, string Message)
{
    public static QuotaRefusal Exhausted(long quota, long used) => new(quota, used,
        $"Your team has used {used} of its {quota} token quota. " +
        "Ask your TokenRouter admin to raise the quota or reset the usage.");

    public static QuotaRefusal DoesNotFit(long quota, long used, long reserved, long needed) => new(quota, used,
        $"This request may use up to {needed} tokens, but your team has {Math.Max(0, quota - used - reserved)} " +
        $"of its {quota} token quota left (used {used}, {reserved} held by requests in flight). " +
        "Lower max_tokens or ask your TokenRouter admin to raise the quota.");
}
