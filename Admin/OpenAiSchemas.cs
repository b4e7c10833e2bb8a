using System.ComponentModel;
using System.Text.Json;

namespace TokenRouter.Admin;

// The shapes of OpenAI's API as TokenRouter passes them through, for the API docs only: the
// proxy forwards bodies as they are, so fields not listed here work as well. JsonElement marks
// a field that takes several shapes (a string or an array of parts, for instance).

internal sealed record ChatCompletionRequest(
    [property: Description("One of ALLOWED_MODELS (any case).")] string Model,
    IReadOnlyList<ChatMessage> Messages,
    bool? Stream = null,
    [property: Description("TokenRouter always asks the provider for usage; the usage chunk reaches you only if you ask too.")]
    StreamOptions? StreamOptions = null,
    [property: Description("Output limit; without one, a default allowance is held against the quota.")]
    int? MaxCompletionTokens = null,
    int? MaxTokens = null,
    double? Temperature = null,
    double? TopP = null,
    int? N = null,
    JsonElement? Stop = null,
    IReadOnlyList<JsonElement>? Tools = null,
    JsonElement? ToolChoice = null,
    JsonElement? ResponseFormat = null,
    string? ReasoningEffort = null,
    long? Seed = null,
    [property: Description("Your end user's id; kept in the request log.")] string? User = null);

internal sealed record ChatMessage(
    [property: Description("system, developer, user, assistant or tool.")] string Role,
    [property: Description("A string, or an array of content parts (text, image_url, ...).")] JsonElement? Content,
    string? Name = null,
    IReadOnlyList<JsonElement>? ToolCalls = null,
    string? ToolCallId = null);

internal sealed record StreamOptions(bool IncludeUsage);

internal sealed record ChatCompletion(
    string Id,
    [property: Description("chat.completion")] string Object,
    long Created,
    string Model,
    IReadOnlyList<ChatChoice> Choices,
    TokenUsage? Usage,
    string? SystemFingerprint = null);

internal sealed record ChatChoice(int Index, ChatMessage Message, string? FinishReason);

[Description("One server-sent event of a streamed chat completion (data: {...}), ending with data: [DONE].")]
internal sealed record ChatCompletionChunk(
    string Id,
    [property: Description("chat.completion.chunk")] string Object,
    long Created,
    string Model,
    IReadOnlyList<ChunkChoice> Choices,
    [property: Description("Only in the last chunk, and only when stream_options.include_usage was true.")] TokenUsage? Usage);

internal sealed record ChunkChoice(int Index, JsonElement Delta, string? FinishReason);

internal sealed record TokenUsage(
    long PromptTokens,
    long CompletionTokens,
    [property: Description("What the team is charged.")] long TotalTokens,
    PromptTokensDetails? PromptTokensDetails = null,
    CompletionTokensDetails? CompletionTokensDetails = null);

internal sealed record PromptTokensDetails(long CachedTokens);

internal sealed record CompletionTokensDetails(long ReasoningTokens);

internal sealed record CompletionRequest(
    string Model,
    [property: Description("A string, an array of strings or of token arrays.")] JsonElement Prompt,
    int? MaxTokens = null,
    double? Temperature = null,
    bool? Stream = null,
    StreamOptions? StreamOptions = null,
    int? N = null,
    JsonElement? Stop = null,
    string? Suffix = null,
    bool? Echo = null,
    string? User = null);

internal sealed record Completion(
    string Id,
    [property: Description("text_completion")] string Object,
    long Created,
    string Model,
    IReadOnlyList<CompletionChoice> Choices,
    TokenUsage? Usage);

internal sealed record CompletionChoice(int Index, string Text, string? FinishReason);

internal sealed record EmbeddingRequest(
    string Model,
    [property: Description("A string, an array of strings or of token arrays.")] JsonElement Input,
    [property: Description("float (default) or base64.")] string? EncodingFormat = null,
    int? Dimensions = null,
    string? User = null);

internal sealed record EmbeddingList(
    [property: Description("list")] string Object,
    IReadOnlyList<EmbeddingItem> Data,
    string Model,
    EmbeddingUsage Usage);

internal sealed record EmbeddingItem(
    [property: Description("embedding")] string Object,
    int Index,
    [property: Description("An array of numbers, or a base64 string with encoding_format base64.")] JsonElement Embedding);

internal sealed record EmbeddingUsage(long PromptTokens, long TotalTokens);

internal sealed record ResponseRequest(
    string Model,
    [property: Description("A string, or an array of input items.")] JsonElement Input,
    string? Instructions = null,
    [property: Description("Output limit; without one, a default allowance is held against the quota.")]
    int? MaxOutputTokens = null,
    bool? Stream = null,
    IReadOnlyList<JsonElement>? Tools = null,
    string? PreviousResponseId = null,
    JsonElement? Reasoning = null,
    JsonElement? Text = null,
    bool? Store = null,
    string? User = null);

[Description("A Responses API response; when streamed, its usage arrives in the response.completed event.")]
internal sealed record ResponseObject(
    string Id,
    [property: Description("response")] string Object,
    long CreatedAt,
    string Model,
    string Status,
    IReadOnlyList<JsonElement> Output,
    ResponseUsage? Usage);

internal sealed record ResponseUsage(
    long InputTokens,
    long OutputTokens,
    long TotalTokens,
    PromptTokensDetails? InputTokensDetails = null,
    CompletionTokensDetails? OutputTokensDetails = null);

internal sealed record ModerationRequest(
    [property: Description("A string, an array of strings, or an array of text and image inputs.")] JsonElement Input,
    string? Model = null);

internal sealed record ModerationResult(string Id, string Model, IReadOnlyList<JsonElement> Results);

internal sealed record ImageRequest(
    string Prompt,
    string? Model = null,
    int? N = null,
    string? Size = null,
    string? Quality = null,
    [property: Description("url or b64_json.")] string? ResponseFormat = null,
    string? User = null);

internal sealed record ImagesResponse(long Created, IReadOnlyList<ImageData> Data);

internal sealed record ImageData(string? Url = null, string? B64Json = null, string? RevisedPrompt = null);

internal sealed record SpeechRequest(
    string Model,
    [property: Description("The text to speak.")] string Input,
    string Voice,
    [property: Description("mp3 (default), opus, aac, flac, wav or pcm.")] string? ResponseFormat = null,
    double? Speed = null,
    string? Instructions = null);

internal sealed record Transcription(string Text, JsonElement? Usage = null);

[Description("Every /v1 error: OpenAI's shape, so the official SDKs raise their matching error class.")]
internal sealed record OpenAiError(OpenAiErrorDetail Error);

internal sealed record OpenAiErrorDetail(string Message, string Type, string? Param, string? Code);
