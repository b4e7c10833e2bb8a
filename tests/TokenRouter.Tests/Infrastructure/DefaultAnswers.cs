using System.Text.Json.Nodes;

namespace TokenRouter.Tests.Infrastructure;

/// <summary>
/// The fake upstream's unscripted behaviour: answers shaped like OpenAI's for each endpoint
/// under <c>/v1</c>, with the usage from <see cref="FakeUpstreamDefaults"/> (or the response's
/// override) and OpenAI's response headers (request id, rate limits).
/// </summary>
internal static class DefaultAnswers
{
    /// <summary>Every default <c>/v1/audio/speech</c> body: "ID3", then all 256 byte values 4 times.</summary>
    public static readonly byte[] SpeechBytes =
        [.. "ID3"u8, .. Enumerable.Range(0, 1024).Select(i => (byte)(i % 256))];

    public static FakeResponse Answer(
        RecordedRequest request, FakeResponse overrides, FakeUpstreamDefaults defaults)
    {
        var usage = overrides.Usage ?? defaults.Usage;
        var answer = new Answers(request, overrides, defaults, overrides.OmitUsage ? null : usage);
        var route = FakeUpstream.RouteKey(request.Path);
        var response = (request.Method, route) switch
        {
            (_, null) => UnknownUrl(request),
            ("POST", "/chat/completions") => answer.Chat(),
            ("POST", "/completions") => answer.Completions(),
            ("POST", "/embeddings") => answer.Embeddings(),
            ("POST", "/responses") => answer.Responses(),
            ("POST", "/moderations") => answer.Moderations(),
            ("POST", "/images/generations") => answer.Images(),
            ("POST", "/audio/speech") => answer.Speech(),
            ("POST", "/audio/transcriptions") => answer.Transcription(),
            ("GET", "/models") => FakeResponse.Json(OpenAiPayloads.ModelList(defaults.Models)),
            ("GET", _) when route.StartsWith("/models/", StringComparison.Ordinal) =>
                Model(route["/models/".Length..], defaults),
            _ => UnknownUrl(request),
        };
        return response with { Headers = [.. OpenAiHeaders(request), .. response.Headers] };
    }

    /// <summary>OpenAI's 404 for a path it does not serve.</summary>
    public static FakeResponse UnknownUrl(RecordedRequest request) => FakeResponse.Error(
        404,
        $"Invalid URL ({request.Method} {request.Path})",
        "invalid_request_error");

    private static FakeResponse Model(string id, FakeUpstreamDefaults defaults) =>
        defaults.Models.FirstOrDefault(m => m == Uri.UnescapeDataString(id)) is { } model
            ? FakeResponse.Json(OpenAiPayloads.ModelObject(model))
            : FakeResponse.Error(
                404, $"The model '{id}' does not exist", "invalid_request_error", "model_not_found", "model");

    private static IEnumerable<KeyValuePair<string, string>> OpenAiHeaders(RecordedRequest request)
    {
        yield return new("x-request-id", $"req_fake{request.Sequence:D4}{Guid.NewGuid():N}"[..32]);
        yield return new("openai-processing-ms", "12");
        yield return new("openai-version", "2020-10-01");
        yield return new("x-ratelimit-limit-requests", "10000");
        yield return new("x-ratelimit-remaining-requests", "9999");
        yield return new("x-ratelimit-limit-tokens", "2000000");
        yield return new("x-ratelimit-remaining-tokens", "1999000");
        yield return new("x-ratelimit-reset-requests", "6ms");
        yield return new("x-ratelimit-reset-tokens", "30ms");
    }

    /// <summary>The answers of one request, sharing its parsed body and the chosen usage.</summary>
    private sealed class Answers(
        RecordedRequest request, FakeResponse overrides, FakeUpstreamDefaults defaults, FakeUsage? usage)
    {
        private readonly JsonObject? _body = request.Json as JsonObject;
        private readonly IReadOnlyList<string> _chunks = overrides.Chunks ?? defaults.Chunks;
        private readonly TimeSpan _chunkDelay = overrides.ChunkDelay ?? defaults.ChunkDelay;

        private string Id(string prefix) => $"{prefix}-fake{request.Sequence}";

        private string Text => string.Concat(_chunks);

        private bool Streaming => overrides.ForceStreaming ?? request.IsStreaming;

        private bool SendUsageChunk => usage is not null && (request.IncludeUsage || overrides.AlwaysIncludeUsage);

        public FakeResponse Chat()
        {
            if (BadBody() is { } bad)
            {
                return bad;
            }

            var model = String("model")!;
            var id = Id("chatcmpl");
            if (!Streaming)
            {
                var choices = (int?)Number("n") ?? 1;
                return FakeResponse.Json(OpenAiPayloads.ChatCompletion(model, Text, usage, id, choices));
            }

            var usageNull = SendUsageChunk;
            var script = new SseScript().Data(OpenAiPayloads.ChatRoleChunk(model, id, usageNull));
            foreach (var chunk in _chunks)
            {
                Pause(script);
                script.Data(OpenAiPayloads.ChatChunk(model, chunk, id, usageNull));
            }

            script.Data(OpenAiPayloads.ChatFinishChunk(model, "stop", id, usageNull));
            if (SendUsageChunk)
            {
                script.Data(OpenAiPayloads.ChatUsageChunk(model, usage!, id));
            }

            return FakeResponse.Sse(script.Done());
        }

        public FakeResponse Completions()
        {
            if (BadBody() is { } bad)
            {
                return bad;
            }

            var model = String("model")!;
            var id = Id("cmpl");
            if (!Streaming)
            {
                return FakeResponse.Json(OpenAiPayloads.Completion(model, Text, usage, "stop", id));
            }

            var script = new SseScript();
            foreach (var chunk in _chunks)
            {
                Pause(script);
                script.Data(OpenAiPayloads.Completion(model, chunk, null, null, id));
            }

            script.Data(OpenAiPayloads.Completion(model, "", null, "stop", id));
            if (SendUsageChunk)
            {
                script.Data(OpenAiPayloads.CompletionUsageChunk(model, usage!, id));
            }

            return FakeResponse.Sse(script.Done());
        }

        public FakeResponse Embeddings()
        {
            if (BadBody() is { } bad)
            {
                return bad;
            }

            // A string or one token list is one input; a list of strings or of token lists is many.
            var count = _body!["input"] switch
            {
                JsonArray { Count: > 0 } list when list[0] is JsonArray || IsText(list[0]) => list.Count,
                JsonArray { Count: > 0 } => 1,
                JsonValue => 1,
                _ => 0,
            };
            if (count == 0)
            {
                return FakeResponse.Error(
                    400, "'input' is a required property", "invalid_request_error", null, "input");
            }

            var dimensions = (int?)Number("dimensions") ?? 8;
            var base64 = String("encoding_format") == "base64";
            var embeddingUsage = usage ?? new FakeUsage(0, 0);
            var json = OpenAiPayloads.Embeddings(String("model")!, count, dimensions, base64, embeddingUsage);
            return FakeResponse.Json(usage is null ? WithoutUsage(json) : json);
        }

        public FakeResponse Responses()
        {
            if (BadBody() is { } bad)
            {
                return bad;
            }

            var model = String("model")!;
            var id = Id("resp");
            if (!Streaming)
            {
                var response = OpenAiPayloads.Response(model, Text, usage ?? new FakeUsage(0, 0), id);
                if (usage is null)
                {
                    response["usage"] = null;
                }

                return FakeResponse.Json(response);
            }

            var script = new SseScript();
            var events = OpenAiPayloads.ResponseStreamEvents(model, _chunks, usage ?? new FakeUsage(0, 0), id);
            foreach (var (name, data) in events)
            {
                if (name == "response.output_text.delta")
                {
                    Pause(script);
                }

                var payload = data;
                if (usage is null && name == "response.completed")
                {
                    var completed = JsonNode.Parse(data)!;
                    completed["response"]!["usage"] = null;
                    payload = completed.ToJsonString();
                }

                script.Event(name, payload);
            }

            return FakeResponse.Sse(script);
        }

        public FakeResponse Moderations()
        {
            if (BadBody() is { } bad)
            {
                return bad;
            }

            var inputs = _body!["input"] is JsonArray list ? list.Count : 1;
            var model = String("model") ?? "omni-moderation-latest";
            return FakeResponse.Json(OpenAiPayloads.Moderation(model, inputs, Id("modr")));
        }

        public FakeResponse Images()
        {
            if (BadBody() is { } bad)
            {
                return bad;
            }

            var model = String("model") ?? "dall-e-2";
            var gptImage = model.StartsWith("gpt-image", StringComparison.OrdinalIgnoreCase);
            var base64 = gptImage || String("response_format") == "b64_json";
            var count = (int?)Number("n") ?? 1;
            return FakeResponse.Json(OpenAiPayloads.Images(count, base64, gptImage ? usage : null));
        }

        public FakeResponse Speech()
        {
            if (BadBody() is { } bad)
            {
                return bad;
            }

            var contentType = (String("response_format") ?? "mp3") switch
            {
                "opus" => "audio/ogg",
                "aac" => "audio/aac",
                "flac" => "audio/flac",
                "wav" => "audio/wav",
                "pcm" => "audio/pcm",
                _ => "audio/mpeg",
            };
            return FakeResponse.Bytes(SpeechBytes, contentType);
        }

        public FakeResponse Transcription()
        {
            if (request.FormFiles.FirstOrDefault(f => f.Name == "file") is null)
            {
                return FakeResponse.Error(400, "You must provide a file.", "invalid_request_error", null, "file");
            }

            var format = request.FormFields.GetValueOrDefault("response_format") ?? "json";
            return format switch
            {
                "text" => FakeResponse.Text(Text + "\n"),
                "srt" => FakeResponse.Text($"1\n00:00:00,000 --> 00:00:01,000\n{Text}\n\n"),
                "vtt" => FakeResponse.Text($"WEBVTT\n\n00:00:00.000 --> 00:00:01.000\n{Text}\n\n", "text/vtt"),
                "verbose_json" => FakeResponse.Json(new JsonObject
                {
                    ["task"] = "transcribe",
                    ["language"] = "english",
                    ["duration"] = 1.0,
                    ["text"] = Text,
                    ["segments"] = new JsonArray(),
                    ["usage"] = new JsonObject { ["type"] = "duration", ["seconds"] = 1 },
                }),
                _ => FakeResponse.Json(usage is null
                    ? new JsonObject { ["text"] = Text }.ToJsonString()
                    : OpenAiPayloads.Transcription(Text, usage)),
            };
        }

        /// <summary>OpenAI's 400s for a body that is not JSON or names no model.</summary>
        private FakeResponse? BadBody()
        {
            if (_body is null)
            {
                return FakeResponse.Error(
                    400,
                    "We could not parse the JSON body of your request. (HINT: This likely means you " +
                    "aren't using your HTTP library correctly. The OpenAI API expects a JSON payload.)",
                    "invalid_request_error");
            }

            var needsModel = FakeUpstream.RouteKey(request.Path) != "/moderations";
            return needsModel && String("model") is null
                ? FakeResponse.Error(
                    400, "you must provide a model parameter", "invalid_request_error", null, "model")
                : null;
        }

        private void Pause(SseScript script)
        {
            if (_chunkDelay > TimeSpan.Zero)
            {
                script.Delay(_chunkDelay);
            }
        }

        private string? String(string name) =>
            _body?[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

        private long? Number(string name) =>
            _body?[name] is JsonValue value && value.TryGetValue<long>(out var number) ? number : null;

        private static bool IsText(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out _);

        private static string WithoutUsage(string json)
        {
            var node = JsonNode.Parse(json)!.AsObject();
            node.Remove("usage");
            return node.ToJsonString();
        }
    }
}
