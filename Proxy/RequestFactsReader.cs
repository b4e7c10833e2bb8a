using System.Text.Json;
using System.Text.Unicode;

namespace TokenRouter.Proxy;

/// <summary>
/// Reads <see cref="RequestFacts"/> from a JSON body with one <see cref="Utf8JsonReader"/>
/// pass, and refuses bodies whose known fields have the wrong type before they cost anything.
/// </summary>
internal static class RequestFactsReader
{
    // Fixed costs of the estimate; OpenAI counts a few tokens of framing per message and
    // prices a high-detail image tile set at up to 765 tokens.
    private const int TokensPerMessage = 4;
    private const int TokensPerConversation = 3;
    private const int TokensPerImage = 765;

    // Far above what any model produces, and small enough that the reservation arithmetic
    // (limit x choices + prompt) cannot overflow.
    private const long MaxOutputLimit = 100_000_000;
    private const int MaxChoices = 128;

    // String values that are not prompt text: identifiers, enums and URLs.
    private static readonly HashSet<string> NotPromptText = new(StringComparer.Ordinal)
    {
        "model", "role", "type", "url", "image_url", "detail", "voice", "response_format", "user",
        "id", "tool_call_id", "call_id", "file_id", "file_data", "image", "mask", "service_tier",
        "reasoning_effort", "effort", "encoding_format", "quality", "size", "style", "background",
        "output_format", "previous_response_id", "safety_identifier", "prompt_cache_key", "format",
    };

    public static bool TryRead(
        ReadOnlySpan<byte> body, TokenEstimator estimator, out RequestFacts facts, out OpenAIError? error)
    {
        facts = new RequestFacts();
        error = null;
        if (!Utf8.IsValid(body))
        {
            // JSON travels as UTF-8 (RFC 8259); refused here, such bytes never reach the
            // provider, and no later reader has to cope with them.
            error = OpenAIError.BadRequest("The request body is not valid UTF-8 text.");
            return false;
        }

        var text = new List<string>();
        long fixedTokens = TokensPerConversation;
        long? maxOutput = null;
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 256 });

        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                error = OpenAIError.BadRequest("The request body must be a JSON object.");
                return false;
            }

            facts.BodyObjectStart = (int)reader.BytesConsumed;
            string? property = null;
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName when reader.CurrentDepth == 1:
                        property = reader.GetString();
                        if (!ReadTopLevel(ref reader, property!, facts, ref maxOutput, out error))
                        {
                            return false;
                        }

                        break;
                    case JsonTokenType.PropertyName:
                        property = reader.GetString();
                        if (property == "role")
                        {
                            fixedTokens += TokensPerMessage;
                        }

                        break;
                    case JsonTokenType.String:
                        CountString(ref reader, property, text, ref fixedTokens);
                        break;
                    case JsonTokenType.Number when property is "input" or "prompt":
                        fixedTokens++; // a pre-tokenized prompt: one token per number
                        break;
                }
            }
        }
        catch (JsonException e)
        {
            error = OpenAIError.BadRequest(
                $"The request body is not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}).");
            return false;
        }
        catch (InvalidOperationException)
        {
            // GetString refuses an escape that makes no Unicode text, such as a lone "\ud800".
            error = OpenAIError.BadRequest("The request body holds a string escape that is not valid Unicode.");
            return false;
        }

        facts.MaxOutputTokens = maxOutput is { } max ? max * Math.Max(1, facts.Choices) : null;
        facts.PromptTokens = estimator.CountPrompt(text) + fixedTokens;
        return true;
    }

    private static bool ReadTopLevel(
        ref Utf8JsonReader reader, string property, RequestFacts facts, ref long? maxOutput, out OpenAIError? error)
    {
        error = null;
        switch (property)
        {
            case "model":
                if (facts.Model is not null)
                {
                    // Parsers disagree on which duplicate wins; the provider must see the model we checked.
                    error = OpenAIError.BadRequest("'model' appears more than once.", "model");
                    return false;
                }

                reader.Read();
                if (reader.TokenType != JsonTokenType.String)
                {
                    error = OpenAIError.BadRequest("'model' must be a string.", "model");
                    return false;
                }

                facts.Model = reader.GetString();
                facts.ModelToken = new Range((int)reader.TokenStartIndex, (int)reader.BytesConsumed);
                return true;

            case "stream":
                reader.Read();
                if (reader.TokenType is not (JsonTokenType.True or JsonTokenType.False or JsonTokenType.Null))
                {
                    error = OpenAIError.BadRequest("'stream' must be a boolean.", "stream");
                    return false;
                }

                facts.Stream = reader.TokenType == JsonTokenType.True;
                return true;

            case "stream_options":
                return ReadStreamOptions(ref reader, facts, out error);

            case "max_tokens" or "max_completion_tokens" or "max_output_tokens":
                reader.Read();
                if (reader.TokenType == JsonTokenType.Null)
                {
                    return true;
                }

                if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt64(out var limit) || limit is < 0 or > MaxOutputLimit)
                {
                    error = OpenAIError.BadRequest(
                        $"'{property}' must be an integer from 0 to {MaxOutputLimit}.", property);
                    return false;
                }

                maxOutput = Math.Max(maxOutput ?? 0, limit);
                return true;

            case "n" or "best_of":
                // best_of (completions) generates that many candidates, each up to max_tokens.
                reader.Read();
                if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt32(out var n) && n is >= 1 and <= MaxChoices)
                {
                    facts.Choices = Math.Max(facts.Choices, n);
                    return true;
                }

                if (reader.TokenType == JsonTokenType.Null)
                {
                    return true;
                }

                error = OpenAIError.BadRequest($"'{property}' must be an integer from 1 to {MaxChoices}.", property);
                return false;

            case "user":
                reader.Read();
                if (reader.TokenType == JsonTokenType.String)
                {
                    facts.EndUser = reader.GetString();
                }

                return true;

            case "messages":
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
                {
                    error = OpenAIError.BadRequest("'messages' must be an array of message objects.", "messages");
                    return false;
                }

                return true;

            default:
                return true;
        }
    }

    private static bool ReadStreamOptions(ref Utf8JsonReader reader, RequestFacts facts, out OpenAIError? error)
    {
        error = null;
        reader.Read();
        var start = (int)reader.TokenStartIndex;
        if (reader.TokenType == JsonTokenType.Null)
        {
            facts.StreamOptions = StreamOptionsShape.Null;
            facts.StreamOptionsToken = new Range(start, (int)reader.BytesConsumed);
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            error = OpenAIError.BadRequest("'stream_options' must be an object.", "stream_options");
            return false;
        }

        facts.StreamOptions = StreamOptionsShape.Object;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
        {
            facts.StreamOptionsHasProperties = true;
            var isIncludeUsage = reader.ValueTextEquals("include_usage"u8);
            reader.Read();
            if (isIncludeUsage)
            {
                facts.ClientWantsStreamUsage = reader.TokenType == JsonTokenType.True;
                facts.IncludeUsageValue = new Range((int)reader.TokenStartIndex, (int)reader.BytesConsumed);
            }

            reader.Skip();
        }

        facts.StreamOptionsToken = new Range(start, (int)reader.BytesConsumed);
        return true;
    }

    private static void CountString(ref Utf8JsonReader reader, string? property, List<string> text, ref long fixedTokens)
    {
        if (property == "type")
        {
            if (reader.ValueTextEquals("image_url"u8) || reader.ValueTextEquals("input_image"u8))
            {
                fixedTokens += TokensPerImage;
            }

            return;
        }

        if (property is not null && NotPromptText.Contains(property))
        {
            return;
        }

        var value = reader.GetString()!;
        if (value.StartsWith("data:", StringComparison.Ordinal))
        {
            return; // inline file or image bytes, priced above by their type, not by their base64
        }

        text.Add(value);
    }
}
