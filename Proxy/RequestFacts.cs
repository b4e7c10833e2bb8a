namespace TokenRouter.Proxy;

/// <summary>
/// What TokenRouter needs to know of a JSON request body, read in one forward pass:
/// the model and where it stands, the stream flags, the output limit and the prompt's size.
/// Everything else in the body is passed on untouched.
/// </summary>
internal sealed class RequestFacts
{
    public string? Model { get; set; }

    /// <summary>Byte range of the model's JSON string token (quotes included).</summary>
    public Range ModelToken { get; set; }

    public bool Stream { get; set; }

    /// <summary>stream_options.include_usage as the client sent it.</summary>
    public bool ClientWantsStreamUsage { get; set; }

    public StreamOptionsShape StreamOptions { get; set; }

    /// <summary>Where stream_options' value starts (its '{', or 'null').</summary>
    public Range StreamOptionsToken { get; set; }

    /// <summary>Byte range of include_usage's value inside stream_options, when present.</summary>
    public Range? IncludeUsageValue { get; set; }

    public bool StreamOptionsHasProperties { get; set; }

    /// <summary>Position just after the body's opening '{'.</summary>
    public int BodyObjectStart { get; set; }

    /// <summary>max_tokens, max_completion_tokens or max_output_tokens, times n.</summary>
    public long? MaxOutputTokens { get; set; }

    public int Choices { get; set; } = 1;

    public string? EndUser { get; set; }

    /// <summary>Estimated prompt tokens (text by the tokenizer, plus fixed costs for images and messages).</summary>
    public long PromptTokens { get; set; }
}

internal enum StreamOptionsShape
{
    Absent,
    Null,
    Object,
}
