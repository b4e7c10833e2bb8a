using System.ComponentModel;
using System.Diagnostics.CodeAnalysis;
using TokenRouter.Quota;
using TokenRouter.Storage;

namespace TokenRouter.Admin;

/// <summary>A team as the admin API shows it: never the token hash, and the live used count.</summary>
internal record TeamView
{
    public required long Id { get; init; }
    public required string Name { get; init; }

    [Description("Tokens the team may use per period (or in total when period is none).")]
    public required long Quota { get; init; }

    [Description("Tokens charged since the last reset, live.")]
    public required long Used { get; init; }

    public required long Remaining { get; init; }

    [Description("The first characters of the token, enough to recognise it.")]
    public required string TokenPrefix { get; init; }

    [Description("none, daily, weekly or monthly.")]
    public required string Period { get; init; }

    [Description("Models the team may use, in the configured spelling; empty means every allowed model.")]
    public required IReadOnlyList<string> Models { get; init; }

    [Description("Requests per minute; null for no limit.")]
    public int? Rpm { get; init; }

    [Description("Tokens per minute; null for no limit.")]
    public long? Tpm { get; init; }

    public DateTimeOffset? ExpiresAt { get; init; }
    public required bool Enabled { get; init; }

    [Description("When used next goes back to 0 by itself; null when the quota has no period.")]
    public DateTimeOffset? NextResetAt { get; init; }

    public DateTimeOffset? LastRequestAt { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>
    /// The stored team with the used count the ledger holds right now, in the period current
    /// now: a boundary that has passed shows as a reset, even before the reset has been written.
    /// </summary>
    public static TeamView From(Team stored, TeamAccount? account, QuotaGate gate)
    {
        var live = account?.Team is { } ledger
            ? stored with { Used = ledger.Used, PeriodStartedAt = ledger.PeriodStartedAt }
            : stored;
        var (current, nextReset) = gate.Current(live);
        var used = current.Used;
        return new TeamView
        {
            Id = stored.Id,
            Name = stored.Name,
            Quota = stored.Quota,
            Used = used,
            Remaining = Math.Max(0, stored.Quota - used),
            TokenPrefix = stored.TokenPrefix,
            Period = PeriodNames.Format(stored.Period),
            Models = stored.Models,
            Rpm = stored.RequestsPerMinute,
            Tpm = stored.TokensPerMinute,
            ExpiresAt = stored.ExpiresAt,
            Enabled = stored.Enabled,
            NextResetAt = nextReset,
            LastRequestAt = stored.LastRequestAt,
            CreatedAt = stored.CreatedAt,
            UpdatedAt = stored.UpdatedAt,
        };
    }
}

/// <summary>A team with its new token: the answer to create and rotate, the only time the token is shown.</summary>
internal sealed record TeamWithToken : TeamView
{
    [SetsRequiredMembers]
    public TeamWithToken(TeamView team, string token)
        : base(team)
    {
        Token = token;
    }

    [Description("The team's API token. Shown this once: only its hash is kept.")]
    public string Token { get; init; }
}

internal sealed record TeamList(IReadOnlyList<TeamView> Data);

internal sealed record ResetView(DateTimeOffset At, string Kind, string By, long UsedBefore);

internal sealed record ResetList(IReadOnlyList<ResetView> Data);

/// <summary>The admin API's names for quota periods.</summary>
internal static class PeriodNames
{
    public static readonly IReadOnlyList<string> All = ["none", "daily", "weekly", "monthly"];

    public static string Format(QuotaPeriod period) => period switch
    {
        QuotaPeriod.Daily => "daily",
        QuotaPeriod.Weekly => "weekly",
        QuotaPeriod.Monthly => "monthly",
        _ => "none",
    };

    public static bool TryParse(string? text, out QuotaPeriod period)
    {
        QuotaPeriod? parsed = text?.ToLowerInvariant() switch
        {
            "none" => QuotaPeriod.None,
            "daily" => QuotaPeriod.Daily,
            "weekly" => QuotaPeriod.Weekly,
            "monthly" => QuotaPeriod.Monthly,
            _ => null,
        };
        period = parsed ?? QuotaPeriod.None;
        return parsed is not null;
    }
}
