namespace TokenRouter.Tests.Infrastructure;

/// <summary>
/// The usage numbers a default answer reports. <see cref="TotalTokens"/> is prompt plus
/// completion unless <see cref="Total"/> says otherwise (a provider may add more, e.g. for
/// audio, and the router must take the provider's total, not its own sum).
/// </summary>
public sealed record FakeUsage(long Prompt, long Completion)
{
    public long? Total { get; init; }

    /// <summary>Reported in <c>prompt_tokens_details.cached_tokens</c>; part of <see cref="Prompt"/>.</summary>
    public long Cached { get; init; }

    /// <summary>Reported as <c>completion_tokens_details.reasoning_tokens</c>; part of the completion.</summary>
    public long Reasoning { get; init; }

    public long TotalTokens => Total ?? Prompt + Completion;

    /// <summary>A total of exactly <paramref name="total"/>: a fifth prompt, the rest completion.</summary>
    public static FakeUsage OfTotal(long total) => new(total / 5, total - (total / 5));
}

/// <summary>What the fake upstream's default answers say when a test scripted nothing else.</summary>
public sealed class FakeUpstreamDefaults
{
    public FakeUsage Usage { get; set; } = new(11, 7);

    /// <summary>The content pieces of a default stream; the non-streaming text is their concatenation.</summary>
    public IReadOnlyList<string> Chunks { get; set; } = ["Hello", " from", " the", " fake", " upstream."];

    /// <summary>Pause between the writes of a default stream.</summary>
    public TimeSpan ChunkDelay { get; set; } = TimeSpan.Zero;

    /// <summary>Models listed by <c>GET /v1/models</c>.</summary>
    public IReadOnlyList<string> Models { get; set; } =
        ["gpt-4o-mini", "GPT-5-nano", "text-embedding-3-small", "omni-moderation-latest"];

    /// <summary>
    /// When set, every request must carry <c>Authorization: Bearer KEY</c> or gets OpenAI's 401
    /// (<c>invalid_api_key</c>), as the real provider would answer a router that forwarded the
    /// wrong credential.
    /// </summary>
    public string? RequiredApiKey { get; set; }
}
