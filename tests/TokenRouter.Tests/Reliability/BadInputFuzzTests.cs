using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using TokenRouter.Hosting;
using TokenRouter.Tests.Infrastructure;
using Xunit.Abstractions;

namespace TokenRouter.Tests.Reliability;

/// <summary>
/// Issue 6, bad input: thousands of random and mutated requests against a healthy upstream.
/// No answer may be a 5xx of TokenRouter's own, every /v1 error is in OpenAI's shape, nothing
/// leaks, and the books hold exactly the requests that were served. The seed is printed; set
/// TOKENROUTER_FUZZ_SEED to replay a failure.
/// </summary>
public sealed class BadInputFuzzTests(ITestOutputHelper output)
{
    private const int DefaultSeed = 20_260_601;
    private const int Cases = 3000;
    private const int Senders = 8;
    private const int MaxProblems = 20;
    private static readonly TimeSpan AnswerTimeout = TimeSpan.FromSeconds(30);

    // Statuses Kestrel answers itself, with an empty body, before any endpoint runs: the
    // request was not even valid HTTP (bad framing, a header or line over the limit).
    private static readonly HashSet<int> HttpLevelRefusals = [400, 411, 413, 414, 431];

    [Fact]
    public async Task RandomAndMutatedRequests_NoServerErrors_ErrorsInShape_BooksHoldOnlyWhatWasServed()
    {
        var seed = int.TryParse(Environment.GetEnvironmentVariable("TOKENROUTER_FUZZ_SEED"), out var chosen) ? chosen : DefaultSeed;
        output.WriteLine($"fuzz seed {seed} (set TOKENROUTER_FUZZ_SEED={seed} to replay)");
        await using var env = await RouterFixture.StartAsync();
        var router = env.Router;
        var team = await router.CreateTeamDirectAsync("fuzz", 1_000_000_000_000);
        var port = new Uri(router.BaseUrl).Port;
        var cases = new FuzzCases(seed, team.Token, RouterServer.AdminPassword);

        var problems = new ConcurrentQueue<string>();
        var answeredIds = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var next = -1;
        var upstreamFailures = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Senders).Select(_ => Task.Run(async () =>
        {
            int number;
            while ((number = Interlocked.Increment(ref next)) < Cases && problems.Count < MaxProblems)
            {
                var fuzz = cases.Next(number);
                RawResponse response;
                try
                {
                    response = await RawHttp.SendAsync(port, fuzz.Request, AnswerTimeout, fuzz.Source);
                }
                catch (Exception e) when (e is TimeoutException or System.Net.Sockets.SocketException)
                {
                    problems.Enqueue($"{e.Message}\n    {fuzz.Describe()}");
                    continue;
                }

                statuses.AddOrUpdate(response.Status, 1, (_, count) => count + 1);
                if (IsUpstreamCaused(response) && (Interlocked.Increment(ref upstreamFailures) <= 3 || response.Status != 500))
                {
                    output.WriteLine($"relayed upstream failure: {Describe(response)}\n    {fuzz.Describe()}");
                }

                if (response.Header("x-request-id") is { } id && !LeavesNoRow(response))
                {
                    answeredIds.Enqueue(id);
                }

                foreach (var problem in Judge(fuzz, response))
                {
                    problems.Enqueue($"{problem}\n    {fuzz.Describe()}\n    answer: {Describe(response)}");
                }
            }
        })));

        output.WriteLine($"{Math.Min(next, Cases)} requests in {watch.Elapsed.TotalSeconds:0.0} s; statuses: " +
            string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")));
        Assert.True(problems.IsEmpty,
            $"Fuzz seed {seed}: {problems.Count} problem(s), the first ones:\n{string.Join("\n", problems.Take(8))}");

        // Every answer excused as the provider's fault matches a failure the fake upstream recorded.
        var failedUpstream = env.Upstream.Requests.Count(r => r.ResponseStatus is 0 or >= 500);
        output.WriteLine($"{upstreamFailures} answers relayed a failure of the fake upstream ({failedUpstream} recorded there)");
        Assert.InRange(upstreamFailures, 0, failedUpstream);

        // Nothing escaped as an unhandled failure. (The test's log sink sees every category; the
        // ones the server keeps quiet in production are left out here too.)
        var failures = router.Logs.Lines
            .Where(l => l.Level >= LogLevel.Error)
            .Where(l => !HostingExtensions.QuietCategories.Any(q => l.Category.StartsWith(q, StringComparison.Ordinal)))
            .Select(l => l.FullText)
            .ToList();
        Assert.True(failures.Count == 0, $"Fuzz seed {seed}: errors logged:\n{string.Join("\n", failures.Take(5))}");

        // The books: one row per answer that carried a request id (but those to strangers and to
        // unknown paths, which carry one too), no tokens on a refusal, and
        // used is exactly what the served requests cost. Only the served ones reached the upstream.
        var books = new BooksFile(router.DatabasePath);
        var rows = books.Requests(team.Id);
        Assert.Equal(answeredIds.Order(StringComparer.Ordinal), rows.Keys.Order(StringComparer.Ordinal));
        var charged = rows.Values.Where(r => r.TotalTokens > 0).ToList();
        Assert.All(charged, r => Assert.InRange(r.Status, 200, 299));
        var (used, logged) = books.UsedAndLogged(team.Id);
        Assert.Equal(logged, used);
        Assert.Equal(charged.Sum(r => r.TotalTokens), used);
        Assert.Equal(
            env.Upstream.Requests.Count(r => r.ResponseHeader("x-request-id") is not null),
            rows.Values.Count(r => r.UpstreamRequestId is not null));
    }

    [Fact]
    public async Task UnknownFields_AreForwardedAsTheyCame_NotRefused()
    {
        await using var env = await RouterFixture.StartAsync();
        var team = await env.Router.CreateTeamDirectAsync("unknown-fields", 1_000_000);
        using var client = env.Router.CreateClient(team.Token);
        var extras = new JsonObject
        {
            ["x_vendor_flag"] = true,
            ["guided_json"] = new JsonObject { ["type"] = "object", ["properties"] = new JsonObject() },
            ["logit_bias"] = new JsonObject { ["50256"] = -100 },
            ["top_k"] = 40,
            ["seed_phrase"] = "é中 \u2028 <b>",
            ["nested"] = new JsonArray(1, 2.5e-7, "three", null, new JsonArray()),
        };
        var body = new JsonObject
        {
            ["model"] = "gpt-4o-mini",
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "Hi" }),
        };
        foreach (var (name, value) in extras)
        {
            body[name] = value?.DeepClone();
        }

        using var response = await client.PostAsync("v1/chat/completions",
            new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = env.Upstream.LastRequest.Json!.AsObject();
        foreach (var (name, value) in extras)
        {
            Assert.True(JsonNode.DeepEquals(value, forwarded[name]), $"The field {name} did not reach the provider as sent.");
        }
    }

    // What the fuzz found, kept as plain cases: text that is not Unicode once decoded.
    [Theory]
    [InlineData(new byte[] { 0xC3, 0x28 }, "not valid UTF-8")]
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 }, "not valid UTF-8")]
    [InlineData(new byte[] { 0xFF }, "not valid UTF-8")]
    [InlineData(new byte[] { (byte)'\\', (byte)'u', (byte)'d', (byte)'8', (byte)'0', (byte)'0', (byte)'x' }, "not valid Unicode")]
    public async Task BodyTextThatIsNotUnicode_Is400SayingSo_NeverForwarded_NothingCharged(byte[] bad, string says)
    {
        await using var env = await RouterFixture.StartAsync();
        var team = await env.Router.CreateTeamDirectAsync("text", 1_000_000);
        using var client = env.Router.CreateClient(team.Token);
        byte[] body = [.. "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"a"u8, .. bad, .. "\"}]}"u8];

        using var response = await client.PostAsync("v1/chat/completions", new ByteArrayContent(body)
        {
            Headers = { ContentType = new("application/json") },
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(says, ErrorOf(await response.Content.ReadAsStringAsync()).GetProperty("message").GetString());
        Assert.Empty(env.Upstream.Requests);
        var row = Assert.Single(await env.Router.WaitForLogRowsAsync(team.Id, 1));
        Assert.Equal((400, 0L), (row.Status, row.TotalTokens));
        Assert.DoesNotContain(env.Router.Logs.Lines, l => l.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task BrokenChunkedBody_Is400InOpenAIShape_RowSaysSo_NoErrorLogged()
    {
        await using var env = await RouterFixture.StartAsync();
        var team = await env.Router.CreateTeamDirectAsync("chunks", 1_000_000);
        var request = Encoding.ASCII.GetBytes(
            $"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {team.Token}\r\n" +
            "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n");

        var response = await RawHttp.SendAsync(new Uri(env.Router.BaseUrl).Port, request, AnswerTimeout);

        Assert.Equal(400, response.Status);
        Assert.Equal("unreadable_request", ErrorOf(response.BodyText).GetProperty("code").GetString());
        var row = Assert.Single(await env.Router.WaitForLogRowsAsync(team.Id, 1));
        Assert.Equal((400, 0L, "unreadable_request"), (row.Status, row.TotalTokens, row.ErrorType));
        Assert.DoesNotContain(env.Router.Logs.Lines, l => l.Level >= LogLevel.Error);
    }

    [Fact]
    public async Task StreamFlagOnAnApiThatDoesNotStream_ProvidersJsonAnswerIsRelayed()
    {
        await using var env = await RouterFixture.StartAsync();
        var team = await env.Router.CreateTeamDirectAsync("moderation", 1_000_000);
        using var client = env.Router.CreateClient(team.Token);

        using var response = await client.PostAsJsonAsync("v1/moderations", new { model = "gpt-4o-mini", input = "Hi", stream = true });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(JsonNode.Parse(await response.Content.ReadAsStringAsync())?["results"]);
    }

    /// <summary>
    /// A refusal before any team is known: a 401, or a 404 for a path that is no endpoint (its
    /// body empty when the request was a HEAD).
    /// </summary>
    private static bool LeavesNoRow(RawResponse response) =>
        response.Status == 401 || (response.Status == 404
            && (response.Body.Length == 0 || response.BodyText.Contains("\"unknown_url\"", StringComparison.Ordinal)));

    private static JsonElement ErrorOf(string body) => JsonDocument.Parse(body).RootElement.GetProperty("error").Clone();

    private static IEnumerable<string> Judge(FuzzCase fuzz, RawResponse response)
    {
        if (response.Nothing)
        {
            if (!fuzz.MayBeCutOff)
            {
                yield return "The connection ended without an answer.";
            }

            yield break;
        }

        var text = response.BodyText;
        foreach (var secret in new[] { RouterServer.AdminPassword, RouterServer.ProviderApiKey })
        {
            var inHeaders = response.Headers.Values.Any(v => v.Contains(secret, StringComparison.Ordinal));
            if (inHeaders || text.Contains(secret, StringComparison.Ordinal))
            {
                yield return "A secret appears in the answer.";
            }
        }

        if (text.Contains("   at ", StringComparison.Ordinal) || text.Contains("Exception", StringComparison.Ordinal))
        {
            yield return "The answer shows an exception or stack trace.";
        }

        // 505 is HTTP's own answer to a version it does not speak, and the right one. A failure
        // of the provider (here: the fake upstream choking on a body it cannot parse) is relayed
        // as an upstream_error; that one is not TokenRouter's own.
        var unsupportedVersion = response.Status == 505 && !SpeaksHttp1(fuzz.Request);
        if (response.Status >= 500 && !unsupportedVersion && !IsUpstreamCaused(response))
        {
            yield return $"TokenRouter answered {response.Status}.";
        }

        if (response.Status < 400 || fuzz.Method == "HEAD" || fuzz.Area == FuzzArea.Other)
        {
            yield break;
        }

        if (response.Body.Length == 0)
        {
            // Routing answers a method an admin path does not have (DELETE /admin/api/settings)
            // with a bare 405; /v1 has a catch-all that answers in OpenAI's shape instead.
            var wrongAdminMethod = response.Status == 405 && fuzz.Area == FuzzArea.AdminApi;
            if (!HttpLevelRefusals.Contains(response.Status) && !wrongAdminMethod && !unsupportedVersion)
            {
                yield return $"A {response.Status} without a body.";
            }

            yield break;
        }

        var shape = fuzz.Area == FuzzArea.V1 ? OpenAIShapeProblem(text) : AdminShapeProblem(text);
        if (shape is not null)
        {
            yield return shape;
        }
    }

    private static bool IsUpstreamCaused(RawResponse response) =>
        response.Status >= 500 && ErrorObject(response.BodyText) is { } error
        && error.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
        && type.GetString() == "upstream_error";

    private static bool SpeaksHttp1(byte[] request)
    {
        var lineEnd = request.AsSpan().IndexOf("\r\n"u8);
        var line = lineEnd < 0 ? request.AsSpan() : request.AsSpan(0, lineEnd);
        return line.EndsWith(" HTTP/1.1"u8) || line.EndsWith(" HTTP/1.0"u8);
    }

    /// <summary>Null when the body is {"error":{"message","type","param","code"}}, else what is wrong.</summary>
    private static string? OpenAIShapeProblem(string body)
    {
        if (ErrorObject(body) is not { } error)
        {
            return "The error body is not a JSON object with an \"error\" object.";
        }

        var fields = new[] { ("message", false), ("type", false), ("param", true), ("code", true) };
        foreach (var (name, nullable) in fields)
        {
            if (!error.TryGetProperty(name, out var value))
            {
                return $"The error has no \"{name}\".";
            }

            if (value.ValueKind != JsonValueKind.String && !(nullable && value.ValueKind == JsonValueKind.Null))
            {
                return $"The error's \"{name}\" is {value.ValueKind}.";
            }
        }

        return null;
    }

    private static string? AdminShapeProblem(string body) =>
        ErrorObject(body) is { } error
        && error.TryGetProperty("message", out var message) && message.ValueKind == JsonValueKind.String
        && error.TryGetProperty("type", out var type) && type.ValueKind == JsonValueKind.String
            ? null
            : "The admin error body is not {\"error\":{\"message\",\"type\",...}}.";

    private static JsonElement? ErrorObject(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object
                ? error.Clone()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string Describe(RawResponse response)
    {
        var body = response.BodyText;
        return $"{response.Status} {response.Header("Content-Type")} {(body.Length > 300 ? body[..300] + "..." : body)}";
    }
}
