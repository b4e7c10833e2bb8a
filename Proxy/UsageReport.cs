namespace TokenRouter.Proxy;

/// <summary>
/// Token usage as a provider reports it, in either of OpenAI's spellings
/// (prompt/completion for chat, completions and embeddings; input/output for responses,
/// images and audio). Cached and reasoning tokens are parts of the totals, never added on top.
/// </summary>
internal readonly record struct UsageReport(long Prompt, long Completion, long Total, long Cached, long Reasoning);
