namespace TokenRouter.Storage;

/// <summary>A teams row as SQLite holds it; <see cref="ToTeam"/> turns it into the domain record.</summary>
internal sealed class TeamRow
{
    /// <summary>The columns every team query selects, in the order of this class.</summary>
    public const string Columns = """
        id, name, token_hash, token_prefix, quota, used, reset_epoch, period, models, rpm, tpm,
        expires_at, enabled, period_started_at, last_request_at, created_at, updated_at
        """;

    public long Id { get; set; }
    public string Name { get; set; } = "";
    public string TokenHash { get; set; } = "";
    public string TokenPrefix { get; set; } = "";
    public long Quota { get; set; }
    public long Used { get; set; }
    public long ResetEpoch { get; set; }
    public string Period { get; set; } = "none";
    public string Models { get; set; } = "";
    public int? Rpm { get; set; }
    public long? Tpm { get; set; }
    public long? ExpiresAt { get; set; }
    public bool Enabled { get; set; }
    public long PeriodStartedAt { get; set; }
    public long? LastRequestAt { get; set; }
    public long CreatedAt { get; set; }
    public long UpdatedAt { get; set; }

    public Team ToTeam() => new()
    {
        Id = Id,
        Name = Name,
        TokenHash = TokenHash,
        TokenPrefix = TokenPrefix,
        Quota = Quota,
        Used = Used,
        ResetEpoch = ResetEpoch,
        Period = ParsePeriod(Period),
        Models = ParseModels(Models),
        RequestsPerMinute = Rpm,
        TokensPerMinute = Tpm,
        ExpiresAt = UnixMs.ToTimeOrNull(ExpiresAt),
        Enabled = Enabled,
        PeriodStartedAt = UnixMs.ToTime(PeriodStartedAt),
        LastRequestAt = UnixMs.ToTimeOrNull(LastRequestAt),
        CreatedAt = UnixMs.ToTime(CreatedAt),
        UpdatedAt = UnixMs.ToTime(UpdatedAt),
    };

    public static string FormatPeriod(QuotaPeriod period) => period switch
    {
        QuotaPeriod.None => "none",
        QuotaPeriod.Daily => "daily",
        QuotaPeriod.Weekly => "weekly",
        QuotaPeriod.Monthly => "monthly",
        _ => throw new ArgumentOutOfRangeException(nameof(period), period, "Unknown quota period."),
    };

    /// <summary>Model names are joined with commas: ALLOWED_MODELS is a comma list, so no name holds one.</summary>
    public static string FormatModels(IReadOnlyList<string> models)
    {
        foreach (var model in models)
        {
            if (string.IsNullOrWhiteSpace(model) || model.Contains(','))
            {
                throw new ArgumentException($"'{model}' is not a valid model name.", nameof(models));
            }
        }

        return string.Join(',', models);
    }

    private static QuotaPeriod ParsePeriod(string period) => period switch
    {
        "daily" => QuotaPeriod.Daily,
        "weekly" => QuotaPeriod.Weekly,
        "monthly" => QuotaPeriod.Monthly,
        _ => QuotaPeriod.None,
    };

    private static string[] ParseModels(string models) =>
        models.Length == 0 ? [] : models.Split(',');
}
