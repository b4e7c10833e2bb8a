namespace TokenRouter.Storage;

/// <summary>A team as stored: its credentials (hashed), quota, policy and standing.</summary>
internal sealed record Team
{
    public required long Id { get; init; }
    public required string Name { get; init; }

    /// <summary>Lower-case hex SHA-256 of the team token; the token itself is never stored.</summary>
    public required string TokenHash { get; init; }

    /// <summary>The first characters of the token, enough to recognise it in a list.</summary>
    public required string TokenPrefix { get; init; }

    public required long Quota { get; init; }
    public required long Used { get; init; }

    /// <summary>Incremented by every reset; request log rows carry the epoch they were charged in.</summary>
    public long ResetEpoch { get; init; }

    public QuotaPeriod Period { get; init; } = QuotaPeriod.None;

    /// <summary>Models this team may use (configured spelling); empty means every allowed model.</summary>
    public IReadOnlyList<string> Models { get; init; } = [];

    public int? RequestsPerMinute { get; init; }
    public long? TokensPerMinute { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public bool Enabled { get; init; } = true;

    /// <summary>Start of the current quota period (the last automatic or manual reset).</summary>
    public DateTimeOffset PeriodStartedAt { get; init; }

    public DateTimeOffset? LastRequestAt { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required DateTimeOffset UpdatedAt { get; init; }

    public long Remaining => Math.Max(0, Quota - Used);
}

internal enum QuotaPeriod
{
    None,
    Daily,
    Weekly,
    Monthly,
}
