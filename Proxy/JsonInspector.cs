using System.Text;
using System.Text.Json;

namespace TokenRouter.Proxy;

/// <summary>What a provider's JSON (a whole response or one stream event) says about cost and failure.</summary>
internal struct JsonInspection
{
    public UsageReport? Usage;

    /// <summary>The document carries a top-level "error" object (an in-band error on a stream).</summary>
    public bool HasError;

    /// <summary>"choices" is present and empty: the shape of the final usage chunk of a chat stream.</summary>
    public bool EmptyChoices;
}

/// <summary>
/// One <see cref="Utf8JsonReader"/> pass over a provider's JSON that finds the usage (at the top
/// level, or under "response" for the Responses API), an error object, and optionally the text
/// the model produced, which is what an estimate is made from when no usage ever arrives.
/// </summary>
internal static class JsonInspector
{
    public static JsonInspection Inspect(ReadOnlySpan<byte> json, StringBuilder? produced)
    {
        var result = new JsonInspection();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 256 });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return result;
            }

            var collect = produced is not null;
            var inResponse = false;
            string? property = null;
            while (reader.Read())
            {
                var depth = reader.CurrentDepth;
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (depth == 1)
                    {
                        inResponse = false;
                        if (reader.ValueTextEquals("usage"u8))
                        {
                            reader.Read();
                            result.Usage ??= ReadUsage(ref reader);
                            continue;
                        }

                        if (reader.ValueTextEquals("error"u8))
                        {
                            reader.Read();
                            result.HasError |= reader.TokenType == JsonTokenType.StartObject;
                            reader.Skip();
                            continue;
                        }

                        if (reader.ValueTextEquals("choices"u8))
                        {
                            reader.Read();
                            if (reader.TokenType == JsonTokenType.StartArray && reader.Read())
                            {
                                result.EmptyChoices = reader.TokenType == JsonTokenType.EndArray;
                            }

                            continue;
                        }
                        else if (reader.ValueTextEquals("type"u8))
                        {
                            // Responses API "*.done" and "response.completed" events repeat text
                            // already streamed as deltas: counting it again would double the estimate.
                            reader.Read();
                            if (collect && reader.TokenType == JsonTokenType.String && IsSummaryEvent(ref reader))
                            {
                                collect = false;
                            }

                            continue;
                        }
                        else if (reader.ValueTextEquals("response"u8))
                        {
                            inResponse = true;
                        }
                    }
                    else if (depth == 2 && inResponse && reader.ValueTextEquals("usage"u8))
                    {
                        reader.Read();
                        result.Usage ??= ReadUsage(ref reader);
                        continue;
                    }

                    if (collect)
                    {
                        property = reader.GetString();
                    }

                    continue;
                }

                if (collect && reader.TokenType == JsonTokenType.String && IsProducedText(property))
                {
                    produced!.Append(reader.GetString());
                }
            }
        }
        catch (JsonException)
        {
            // Not JSON after all: nothing to learn from it, and the bytes pass through unchanged.
        }

        return result;
    }

    private static bool IsSummaryEvent(ref Utf8JsonReader reader)
    {
        var type = reader.GetString()!;
        return type.EndsWith(".done", StringComparison.Ordinal) || type.StartsWith("response.", StringComparison.Ordinal)
            && !type.EndsWith(".delta", StringComparison.Ordinal);
    }

    private static bool IsProducedText(string? property) =>
        property is "content" or "text" or "delta" or "arguments" or "refusal" or "reasoning_content" or "output_text";

    /// <summary>Reads a usage object; the reader is on its StartObject and ends on its EndObject.</summary>
    private static UsageReport? ReadUsage(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            reader.Skip();
            return null;
        }

        long prompt = 0, completion = 0, cached = 0, reasoning = 0;
        long? total = null;
        var any = false;
        var startDepth = reader.CurrentDepth;
        while (reader.Read() && !(reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == startDepth))
        {
            if (reader.TokenType != JsonTokenType.PropertyName)
            {
                continue;
            }

            var atTop = reader.CurrentDepth == startDepth + 1;
            if (atTop && (reader.ValueTextEquals("prompt_tokens"u8) || reader.ValueTextEquals("input_tokens"u8)))
            {
                any |= TryReadCount(ref reader, out prompt);
            }
            else if (atTop && (reader.ValueTextEquals("completion_tokens"u8) || reader.ValueTextEquals("output_tokens"u8)))
            {
                any |= TryReadCount(ref reader, out completion);
            }
            else if (atTop && reader.ValueTextEquals("total_tokens"u8))
            {
                if (TryReadCount(ref reader, out var value))
                {
                    total = value;
                    any = true;
                }
            }
            else if (reader.ValueTextEquals("cached_tokens"u8))
            {
                TryReadCount(ref reader, out cached);
            }
            else if (reader.ValueTextEquals("reasoning_tokens"u8))
            {
                TryReadCount(ref reader, out reasoning);
            }
        }

        return any ? new UsageReport(prompt, completion, total ?? prompt + completion, cached, reasoning) : null;
    }

    private static bool TryReadCount(ref Utf8JsonReader reader, out long value)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out value) && value >= 0)
        {
            return true;
        }

        value = 0;
        reader.Skip();
        return false;
    }
}
