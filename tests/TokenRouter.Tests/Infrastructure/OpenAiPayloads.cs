using System.Text.Json.Nodes;

namespace TokenRouter.Tests.Infrastructure;

/// <summary>
/// JSON bodies shaped like OpenAI's, for the fake upstream's default answers and for tests
/// that script their own. Every method returns compact JSON text (one line, so it fits in
/// one SSE <c>data:</c> field).
/// </summary>
public static class OpenAiPayloads
{
    /// <summary>A fixed creation time, so bodies are repeatable.</summary>
    public const long Created = 1_750_000_000;

    /// <summary>OpenAI's error body: <c>{"error":{"message","type","param","code"}}</c>.</summary>
    public static string ErrorBody(string message, string type, string? code = null, string? param = null) =>
        new JsonObject
        {
            ["error"] = new JsonObject
            {
                ["message"] = message,
                ["type"] = type,
                ["param"] = param,
                ["code"] = code,
            },
        }.ToJsonString();

    /// <summary>The <c>usage</c> object of chat and legacy completions (with the details objects).</summary>
    public static JsonObject ChatUsage(FakeUsage usage) => new()
    {
        ["prompt_tokens"] = usage.Prompt,
        ["completion_tokens"] = usage.Completion,
        ["total_tokens"] = usage.TotalTokens,
        ["prompt_tokens_details"] = new JsonObject { ["cached_tokens"] = usage.Cached, ["audio_tokens"] = 0 },
        ["completion_tokens_details"] = new JsonObject
        {
            ["reasoning_tokens"] = usage.Reasoning,
            ["audio_tokens"] = 0,
            ["accepted_prediction_tokens"] = 0,
            ["rejected_prediction_tokens"] = 0,
        },
    };

    /// <summary>The <c>usage</c> object of the Responses API and of gpt-image / transcription models.</summary>
    public static JsonObject ResponsesUsage(FakeUsage usage) => new()
    {
        ["input_tokens"] = usage.Prompt,
        ["input_tokens_details"] = new JsonObject { ["cached_tokens"] = usage.Cached },
        ["output_tokens"] = usage.Completion,
        ["output_tokens_details"] = new JsonObject { ["reasoning_tokens"] = usage.Reasoning },
        ["total_tokens"] = usage.TotalTokens,
    };

    /// <summary>A non-streaming <c>chat.completion</c> with that many identical choices.</summary>
    public static string ChatCompletion(
        string model, string content, FakeUsage? usage, string id = "chatcmpl-fake", int choices = 1)
    {
        var list = new JsonArray();
        for (var i = 0; i < choices; i++)
        {
            list.Add(new JsonObject
            {
                ["index"] = i,
                ["message"] = new JsonObject
                {
                    ["role"] = "assistant",
                    ["content"] = content,
                    ["refusal"] = null,
                    ["annotations"] = new JsonArray(),
                },
                ["logprobs"] = null,
                ["finish_reason"] = "stop",
            });
        }

        var body = new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion",
            ["created"] = Created,
            ["model"] = model,
            ["choices"] = list,
            ["service_tier"] = "default",
            ["system_fingerprint"] = "fp_fake",
        };
        if (usage is not null)
        {
            body["usage"] = ChatUsage(usage);
        }

        return body.ToJsonString();
    }

    /// <summary>
    /// A <c>chat.completion.chunk</c>. <paramref name="delta"/> is the delta object's JSON; with
    /// <paramref name="usageNull"/> the chunk carries <c>"usage": null</c> as OpenAI's do when the
    /// request asked for usage.
    /// </summary>
    public static string ChatChunkWithDelta(
        string model, JsonObject delta, string? finishReason = null, string id = "chatcmpl-fake",
        bool usageNull = false, int index = 0)
    {
        var chunk = new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion.chunk",
            ["created"] = Created,
            ["model"] = model,
            ["service_tier"] = "default",
            ["system_fingerprint"] = "fp_fake",
            ["choices"] = new JsonArray
            {
                new JsonObject
                {
                    ["index"] = index,
                    ["delta"] = delta,
                    ["logprobs"] = null,
                    ["finish_reason"] = finishReason,
                },
            },
        };
        if (usageNull)
        {
            chunk["usage"] = null;
        }

        return chunk.ToJsonString();
    }

    /// <summary>A content chunk: <c>delta: {"content": CONTENT}</c>.</summary>
    public static string ChatChunk(
        string model, string content, string id = "chatcmpl-fake", bool usageNull = false) =>
        ChatChunkWithDelta(model, new JsonObject { ["content"] = content }, null, id, usageNull);

    /// <summary>The first chunk of a chat stream: the role and empty content.</summary>
    public static string ChatRoleChunk(string model, string id = "chatcmpl-fake", bool usageNull = false) =>
        ChatChunkWithDelta(
            model,
            new JsonObject { ["role"] = "assistant", ["content"] = "", ["refusal"] = null },
            null,
            id,
            usageNull);

    /// <summary>The chunk that ends a choice: empty delta and a finish reason.</summary>
    public static string ChatFinishChunk(
        string model, string finishReason = "stop", string id = "chatcmpl-fake", bool usageNull = false) =>
        ChatChunkWithDelta(model, [], finishReason, id, usageNull);

    /// <summary>The chunk sent for <c>stream_options.include_usage</c>: <c>choices: []</c> and the usage.</summary>
    public static string ChatUsageChunk(string model, FakeUsage usage, string id = "chatcmpl-fake") =>
        new JsonObject
        {
            ["id"] = id,
            ["object"] = "chat.completion.chunk",
            ["created"] = Created,
            ["model"] = model,
            ["service_tier"] = "default",
            ["system_fingerprint"] = "fp_fake",
            ["choices"] = new JsonArray(),
            ["usage"] = ChatUsage(usage),
        }.ToJsonString();

    /// <summary>A legacy <c>text_completion</c>, whole or as one stream chunk.</summary>
    public static string Completion(
        string model, string text, FakeUsage? usage, string? finishReason = "stop", string id = "cmpl-fake")
    {
        var body = new JsonObject
        {
            ["id"] = id,
            ["object"] = "text_completion",
            ["created"] = Created,
            ["model"] = model,
            ["choices"] = new JsonArray
            {
                new JsonObject
                {
                    ["text"] = text,
                    ["index"] = 0,
                    ["logprobs"] = null,
                    ["finish_reason"] = finishReason,
                },
            },
        };
        if (usage is not null)
        {
            body["usage"] = new JsonObject
            {
                ["prompt_tokens"] = usage.Prompt,
                ["completion_tokens"] = usage.Completion,
                ["total_tokens"] = usage.TotalTokens,
            };
        }

        return body.ToJsonString();
    }

    /// <summary>The usage chunk of a legacy completions stream (<c>choices: []</c>).</summary>
    public static string CompletionUsageChunk(string model, FakeUsage usage, string id = "cmpl-fake") =>
        new JsonObject
        {
            ["id"] = id,
            ["object"] = "text_completion",
            ["created"] = Created,
            ["model"] = model,
            ["choices"] = new JsonArray(),
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = usage.Prompt,
                ["completion_tokens"] = usage.Completion,
                ["total_tokens"] = usage.TotalTokens,
            },
        }.ToJsonString();

    /// <summary>
    /// An embeddings list with <paramref name="count"/> vectors of <paramref name="dimensions"/>
    /// floats, as JSON numbers or as base64 of little-endian float32 (what the SDKs ask for).
    /// </summary>
    public static string Embeddings(string model, int count, int dimensions, bool base64, FakeUsage usage)
    {
        var data = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            var vector = EmbeddingVector(i, dimensions);
            JsonNode embedding = base64
                ? Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(vector.AsSpan()))
                : new JsonArray(vector.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
            data.Add(new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = embedding });
        }

        return new JsonObject
        {
            ["object"] = "list",
            ["data"] = data,
            ["model"] = model,
            ["usage"] = new JsonObject
            {
                ["prompt_tokens"] = usage.Prompt,
                ["total_tokens"] = usage.Total ?? usage.Prompt,
            },
        }.ToJsonString();
    }

    /// <summary>The vector the fake returns for input number <paramref name="index"/>.</summary>
    public static float[] EmbeddingVector(int index, int dimensions) =>
        Enumerable.Range(0, dimensions).Select(d => (index + 1) * 0.01f + d * 0.001f).ToArray();

    /// <summary>A Responses API <c>response</c> object: finished, or in progress when usage is null.</summary>
    public static JsonObject Response(string model, string? text, FakeUsage? usage, string id = "resp_fake")
    {
        var output = new JsonArray();
        if (text is not null)
        {
            output.Add(ResponseMessage(text, "completed", id));
        }

        return new JsonObject
        {
            ["id"] = id,
            ["object"] = "response",
            ["created_at"] = Created,
            ["status"] = usage is null ? "in_progress" : "completed",
            ["error"] = null,
            ["incomplete_details"] = null,
            ["instructions"] = null,
            ["max_output_tokens"] = null,
            ["model"] = model,
            ["output"] = output,
            ["parallel_tool_calls"] = true,
            ["previous_response_id"] = null,
            ["reasoning"] = new JsonObject { ["effort"] = null, ["summary"] = null },
            ["store"] = true,
            ["temperature"] = 1.0,
            ["text"] = new JsonObject { ["format"] = new JsonObject { ["type"] = "text" } },
            ["tool_choice"] = "auto",
            ["tools"] = new JsonArray(),
            ["top_p"] = 1.0,
            ["truncation"] = "disabled",
            ["usage"] = usage is null ? null : ResponsesUsage(usage),
            ["user"] = null,
            ["metadata"] = new JsonObject(),
        };
    }

    /// <summary>The assistant message item of a response's <c>output</c>.</summary>
    public static JsonObject ResponseMessage(string text, string status, string responseId = "resp_fake") => new()
    {
        ["type"] = "message",
        ["id"] = "msg_" + responseId,
        ["status"] = status,
        ["role"] = "assistant",
        ["content"] = status == "completed"
            ? new JsonArray { OutputText(text) }
            : new JsonArray(),
    };

    private static JsonObject OutputText(string text) => new()
    {
        ["type"] = "output_text",
        ["text"] = text,
        ["annotations"] = new JsonArray(),
        ["logprobs"] = new JsonArray(),
    };

    /// <summary>
    /// The events of a streamed response, as (event name, data) pairs in OpenAI's order:
    /// created, in_progress, item and part added, one text delta per chunk, the done events,
    /// and <c>response.completed</c> carrying the usage. Each data object holds its
    /// <c>type</c> and <c>sequence_number</c>.
    /// </summary>
    public static IReadOnlyList<(string Event, string Data)> ResponseStreamEvents(
        string model, IReadOnlyList<string> chunks, FakeUsage usage, string id = "resp_fake")
    {
        var text = string.Concat(chunks);
        var itemId = "msg_" + id;
        var events = new List<(string, string)>();
        void Add(string type, JsonObject data)
        {
            data["type"] = type;
            data["sequence_number"] = events.Count;
            events.Add((type, data.ToJsonString()));
        }

        Add("response.created", new JsonObject { ["response"] = Response(model, null, null, id) });
        Add("response.in_progress", new JsonObject { ["response"] = Response(model, null, null, id) });
        Add("response.output_item.added", new JsonObject
        {
            ["output_index"] = 0,
            ["item"] = ResponseMessage(text, "in_progress", id),
        });
        Add("response.content_part.added", new JsonObject
        {
            ["item_id"] = itemId,
            ["output_index"] = 0,
            ["content_index"] = 0,
            ["part"] = new JsonObject
            {
                ["type"] = "output_text",
                ["text"] = "",
                ["annotations"] = new JsonArray(),
            },
        });
        foreach (var chunk in chunks)
        {
            Add("response.output_text.delta", new JsonObject
            {
                ["item_id"] = itemId,
                ["output_index"] = 0,
                ["content_index"] = 0,
                ["delta"] = chunk,
                ["logprobs"] = new JsonArray(),
            });
        }

        Add("response.output_text.done", new JsonObject
        {
            ["item_id"] = itemId,
            ["output_index"] = 0,
            ["content_index"] = 0,
            ["text"] = text,
            ["logprobs"] = new JsonArray(),
        });
        Add("response.content_part.done", new JsonObject
        {
            ["item_id"] = itemId,
            ["output_index"] = 0,
            ["content_index"] = 0,
            ["part"] = OutputText(text),
        });
        Add("response.output_item.done", new JsonObject
        {
            ["output_index"] = 0,
            ["item"] = ResponseMessage(text, "completed", id),
        });
        Add("response.completed", new JsonObject { ["response"] = Response(model, text, usage, id) });
        return events;
    }

    /// <summary>A moderation result per input, nothing flagged.</summary>
    public static string Moderation(string model, int inputs, string id = "modr-fake")
    {
        string[] categories =
        [
            "harassment", "harassment/threatening", "hate", "hate/threatening", "illicit", "illicit/violent",
            "self-harm", "self-harm/intent", "self-harm/instructions", "sexual", "sexual/minors",
            "violence", "violence/graphic",
        ];
        var results = new JsonArray();
        for (var i = 0; i < inputs; i++)
        {
            var flags = new JsonObject();
            var scores = new JsonObject();
            var types = new JsonObject();
            foreach (var category in categories)
            {
                flags[category] = false;
                scores[category] = 0.0001;
                types[category] = new JsonArray("text");
            }

            results.Add(new JsonObject
            {
                ["flagged"] = false,
                ["categories"] = flags,
                ["category_scores"] = scores,
                ["category_applied_input_types"] = types,
            });
        }

        return new JsonObject { ["id"] = id, ["model"] = model, ["results"] = results }.ToJsonString();
    }

    /// <summary>A tiny valid PNG (1x1, transparent), the image every default generation returns.</summary>
    public static readonly byte[] TinyPng = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==");

    /// <summary>An images response: that many images, as base64 or URL, and the usage when given.</summary>
    public static string Images(int count, bool base64, FakeUsage? usage)
    {
        var data = new JsonArray();
        for (var i = 0; i < count; i++)
        {
            data.Add(base64
                ? new JsonObject { ["b64_json"] = Convert.ToBase64String(TinyPng) }
                : new JsonObject { ["url"] = $"https://images.invalid/fake-{i}.png" });
        }

        var body = new JsonObject { ["created"] = Created, ["data"] = data };
        if (usage is not null)
        {
            body["usage"] = ResponsesUsage(usage);
        }

        return body.ToJsonString();
    }

    /// <summary>A JSON transcription with token usage, as the gpt-4o-transcribe models answer.</summary>
    public static string Transcription(string text, FakeUsage usage) => new JsonObject
    {
        ["text"] = text,
        ["usage"] = new JsonObject
        {
            ["type"] = "tokens",
            ["input_tokens"] = usage.Prompt,
            ["input_token_details"] = new JsonObject { ["text_tokens"] = 0, ["audio_tokens"] = usage.Prompt },
            ["output_tokens"] = usage.Completion,
            ["total_tokens"] = usage.TotalTokens,
        },
    }.ToJsonString();

    /// <summary><c>GET /v1/models</c>: the list object.</summary>
    public static string ModelList(IEnumerable<string> models) => new JsonObject
    {
        ["object"] = "list",
        ["data"] = new JsonArray(models.Select(m => (JsonNode?)ModelObject(m)).ToArray()),
    }.ToJsonString();

    public static JsonObject ModelObject(string id) => new()
    {
        ["id"] = id,
        ["object"] = "model",
        ["created"] = Created,
        ["owned_by"] = "system",
    };
}
