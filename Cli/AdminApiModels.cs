namespace TokenRouter.Cli;

/// <summary>A team as the admin API returns it (snake_case JSON); <see cref="Token"/> only on create and rotate.</summary>
internal sealed record TeamView
{
    public long Id { get; init; }
    public string Name { get; init; } = "";
    public long Quota { get; init; }
    public long Used { get; init; }
    public long Remaining { get; init; }
    public string? TokenPrefix { get; init; }
    public string? Period { get; init; }
    public IReadOnlyList<string>? Models { get; init; }
    public int? Rpm { get; init; }
    public long? Tpm { get; init; }
    public DateTimeOffset? ExpiresAt { get; init; }
    public bool Enabled { get; init; } = true;
    public DateTimeOffset? NextResetAt { get; init; }
    public DateTimeOffset? LastRequestAt { get; init; }
    public DateTimeOffset? CreatedAt { get; init; }
    public DateTimeOffset? UpdatedAt { get; init; }
    public string? Token { get; init; }
}

/// <summary>What <c>team delete --json</c> prints when the API answers with no body.</summary>
internal sealed record DeletedTeam(long Id, string Name, bool Deleted);

/// <summary>The API's error shape: {"error":{"message","type","param","code"}}.</summary>
internal sealed record ApiErrorBody(ApiError? Error);

internal sealed record ApiError(string? Message, string? Type, string? Param, string? Code);
