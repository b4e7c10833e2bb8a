using System.Net;
using System.Text;
using System.Text.Json;

namespace TokenRouter.Tests.Reliability;

/// <summary>Where a fuzzed request lands, as far as the rules on its answer go.</summary>
internal enum FuzzArea
{
    /// <summary>A plain /v1 path: every error must be in OpenAI's shape.</summary>
    V1,

    /// <summary>A plain /admin/api path: every error must be a JSON error object.</summary>
    AdminApi,

    /// <summary>Path tricks and the rest: no 5xx and no secret, whatever the answer.</summary>
    Other,
}

/// <summary>One generated request: its bytes on the wire and what the fuzz test may expect of its answer.</summary>
/// <param name="MayBeCutOff">Oversized on purpose: the server may answer and close before reading it all.</param>
internal sealed record FuzzCase(
    int Number, string Kind, FuzzArea Area, string Method, string Target, byte[] Request, bool MayBeCutOff)
{
    /// <summary>
    /// Requests that may count as wrong admin passwords (a team token sent to /admin) come from
    /// an address of their own, and sign-ins from many: the lockout and the sign-in rate limit
    /// then stop only those, and the rest of the admin API stays reachable for the fuzz.
    /// </summary>
    public IPAddress Source { get; init; } = IPAddress.Loopback;

    /// <summary>The request as readable text (non-ASCII bytes escaped, long runs elided) for failure messages.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var b in Request.Take(600))
        {
            text.Append(b is >= 0x20 and < 0x7F ? ((char)b).ToString() : b == '\n' ? "\\n" : b == '\r' ? "\\r" : $"\\x{b:X2}");
        }

        return $"case {Number} ({Kind}) {Method} {Target}: {text}{(Request.Length > 600 ? $"... ({Request.Length} bytes)" : "")}";
    }
}

/// <summary>
/// Generates random and mutated requests for /v1 and /admin from a seed: case <c>n</c> of seed
/// <c>s</c> is always the same bytes, whatever order the cases are sent in.
/// </summary>
internal sealed class FuzzCases(int seed, string teamToken, string adminPassword)
{
    private static readonly IPAddress AdminCaller = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress Guesser = IPAddress.Parse("127.0.0.3");

    private static readonly string[] Endpoints =
        ["chat/completions", "completions", "embeddings", "responses", "moderations", "images/generations", "audio/speech"];

    private static readonly string[] KnownFields =
    [
        "model", "messages", "stream", "stream_options", "max_tokens", "max_completion_tokens", "max_output_tokens",
        "n", "input", "prompt", "user", "temperature", "tools", "response_format", "metadata", "voice", "encoding_format",
    ];

    private static readonly string[] TeamFields =
        ["name", "quota", "period", "models", "rpm", "tpm", "expires_at", "enabled"];

    private static readonly string[] PathTricks =
    [
        "/admin/../v1/models", "/admin/%2e%2e/v1/models", "/admin/%2E%2E/%2E%2E/etc/passwd", "/admin/..%2f..%2fetc%2fpasswd",
        "/admin/api/teams%2F1", "/admin/api/..;/teams", "/admin\\..\\..\\etc\\passwd", "/admin/%5c..%5c..%5cetc%5cpasswd",
        "/admin/api/teams/%00", "//admin//api//teams", "/ADMIN/API/TEAMS", "/admin/api/teams/-1",
        "/admin/api/teams/99999999999999999999", "/admin/api/teams/1e3", "/admin/assets/../../appsettings.json",
        "/admin/index.html%00.js", "/admin/%2e%2e%2f%2e%2e%2fetc%2fpasswd", "/admin/./api/./settings",
        "/docs/../admin/api/teams", "/docs/%2e%2e/%2e%2e/etc/passwd", "/openapi/../../etc/passwd", "/openapi/v1.json",
        "/openapi/%2e%2e.json", "/v1/../admin/api/settings", "/v1/%2e%2e/admin/api/settings",
        "/v1/models/..%2f..%2fadmin%2fapi%2fsettings", "/v1/models/%ff%fe", "/v1/models/%c3%28", "/v1/chat/completions/",
        "/v1/chat/completions/..", "/v1/./chat/completions", "/V1/CHAT/COMPLETIONS", "/v1//chat//completions",
        "/healthz/../admin/api/settings", "/readyz?x=%zz", "/%", "/%00", "/v1/chat/completions?%", "/..", "/../../../etc/passwd",
        "/admin/api/logs?limit=-5&offset=abc&from=yesterday", "/admin/api/logs.csv?team_id=%00",
        "/admin/api/usage?bucket=century&from=2020-13-45", "/admin/api/logs?limit=99999999999999999999",
        "/wwwroot/admin/index.html", "/admin/api", "/admin/api/", "/admin", "/admin/", "/admin/panel/../../.env",
    ];

    public FuzzCase Next(int number)
    {
        // Each case from a generator of its own, so a failure can be replayed alone.
        var random = new Random(HashCode.Combine(seed, number));
        var roll = random.Next(100);
        return roll switch
        {
            < 45 => V1Json(number, random),
            < 53 => V1Garbage(number, random),
            < 60 => V1Other(number, random),
            < 70 => Headers(number, random),
            < 85 => PathTrick(number, random),
            _ => AdminApi(number, random),
        };
    }

    private FuzzCase V1Json(int number, Random random)
    {
        var endpoint = Pick(random, Endpoints);
        var fields = ValidBody(endpoint, random);
        var mutations = random.Next(0, 4);
        for (var i = 0; i < mutations; i++)
        {
            MutateFields(fields, random, KnownFields);
        }

        var body = Encoding.UTF8.GetBytes(Serialize(fields, random));
        if (random.Next(100) < 30)
        {
            body = MutateBytes(body, random);
        }

        var target = "/v1/" + endpoint;
        return Case(number, "v1-json", FuzzArea.V1, "POST", target, V1Auth(random), body, random);
    }

    private FuzzCase V1Garbage(int number, Random random)
    {
        byte[] body = random.Next(6) switch
        {
            0 => [],
            1 => RandomBytes(random, random.Next(1, 2048)),
            2 => Encoding.UTF8.GetBytes(RandomValue(random, depth: 0)),
            3 => Encoding.UTF8.GetBytes("model=gpt-4o-mini&messages=hi"),
            4 => Encoding.UTF8.GetBytes(new string('[', random.Next(100, 20_000))),
            _ => Encoding.UTF8.GetBytes(
                "{\"model\":\"gpt-4o-mini\",\"messages\":" + new string('[', 5000) + new string(']', 5000) + "}"),
        };
        var target = "/v1/" + Pick(random, Endpoints);
        return Case(number, "v1-garbage", FuzzArea.V1, "POST", target, V1Auth(random), body, random);
    }

    private FuzzCase V1Other(int number, Random random)
    {
        var (method, target) = random.Next(6) switch
        {
            0 => ("GET", "/v1/models"),
            1 => ("GET", "/v1/models/" + Uri.EscapeDataString(RandomText(random, random.Next(1, 40)))),
            2 => ("GET", "/v1/usage"),
            3 => (Pick(random, "POST", "PUT", "DELETE", "PATCH"), "/v1/" + Uri.EscapeDataString(RandomText(random, 12))),
            4 => (Pick(random, "GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD", "TRACE", "FOO"), "/v1/" + Pick(random, Endpoints)),
            _ => ("GET", "/v1/dashboard/billing/subscription"),
        };
        var body = method is "POST" or "PUT" or "PATCH" ? Encoding.UTF8.GetBytes(RandomValue(random, 0)) : [];
        return Case(number, "v1-other", FuzzArea.V1, method, target, V1Auth(random), body, random);
    }

    private FuzzCase Headers(int number, Random random)
    {
        var body = Encoding.UTF8.GetBytes(Serialize(ValidBody("chat/completions", random), random));
        var headers = new List<(string, byte[])> { ("Authorization", Ascii("Bearer " + teamToken)) };
        var contentType = "application/json";
        var framing = Framing.ContentLength;
        var cutOff = false;
        var target = "/v1/chat/completions";
        var version = "HTTP/1.1";
        var kind = random.Next(16);
        switch (kind)
        {
            case 0:
                headers.Add(("X-Big", Ascii(new string('a', random.Next(65 * 1024, 100 * 1024)))));
                cutOff = true;
                break;
            case 1:
                for (var i = 0; i < random.Next(101, 200); i++)
                {
                    headers.Add(($"X-Many-{i}", Ascii("v")));
                }

                cutOff = true;
                break;
            case 2:
                headers.Add(("X-Note", [0xFF, 0xFE, 0xC3, 0x28, 0x80]));
                break;
            case 3:
                headers.Add(("X-Nul", [(byte)'a', 0, (byte)'b']));
                break;
            case 4:
                contentType = Pick(random, "", "text/plain", "application/json; charset=utf-16", "multipart/form-data",
                    "application/x-www-form-urlencoded", "application/json;;;", "*/*");
                break;
            case 5:
                framing = Framing.TwoLengths;
                break;
            case 6:
                framing = Framing.LengthAndChunked;
                break;
            case 7:
                framing = Framing.Chunked;
                break;
            case 8:
                framing = Framing.BadLength;
                break;
            case 9:
                headers.Add(("X-Folded", Ascii("a\r\n b")));
                break;
            case 10:
                headers.Add(("Bad Header", Ascii("x")));
                break;
            case 11:
                framing = Framing.NoHost;
                break;
            case 12:
                target += "?" + new string('q', random.Next(17 * 1024, 24 * 1024));
                cutOff = true;
                break;
            case 13:
                version = Pick(random, "HTTP/1.0", "HTTP/2.0", "HTTP/9.9", "HTTX/1.1");
                break;
            case 14:
                headers[0] = ("Authorization", Ascii("Bearer " + teamToken + new string(' ', random.Next(1, 5)) + "\u00e9"));
                break;
            default:
                headers.Add(("Expect", Ascii("100-continue")));
                break;
        }

        return new FuzzCase(number, $"headers-{kind}", FuzzArea.V1, "POST", target,
            Build("POST", target, version, headers, contentType, body, framing), cutOff);
    }

    private FuzzCase PathTrick(int number, Random random)
    {
        var target = Pick(random, PathTricks);
        var raw = Ascii(target);
        if (random.Next(10) == 0)
        {
            // Bytes no client library would put in a path: a null, invalid UTF-8, a raw space.
            raw = [.. raw, .. Pick<byte[]>(random, [0], [0xC3, 0x28], [0xFF], [(byte)'\\'], [(byte)'\t'])];
        }

        // The admin password only on reads: a write to a tricked path might land on a real team.
        var (method, auth) = random.Next(4) switch
        {
            0 => (Pick(random, "GET", "HEAD", "OPTIONS"), ("Authorization", "Bearer " + adminPassword)),
            1 => ("POST", ("Authorization", "Bearer " + teamToken)),
            2 => ("GET", ("Authorization", "Bearer " + teamToken)),
            _ => (Pick(random, "GET", "POST", "DELETE"), ("X-None", "none")),
        };
        var body = method == "POST" ? Encoding.UTF8.GetBytes(Serialize(ValidBody("chat/completions", random), random)) : [];
        var headers = new List<(string, byte[])> { (auth.Item1, Ascii(auth.Item2)) };
        var request = BuildRaw(method, raw, "HTTP/1.1", headers, "application/json", body, Framing.ContentLength);
        var source = auth.Item2.Contains(adminPassword, StringComparison.Ordinal) ? AdminCaller
            : auth.Item2.Contains(teamToken, StringComparison.Ordinal) ? Guesser : IPAddress.Loopback;
        return new FuzzCase(number, "path", FuzzArea.Other, method, target, request, false) { Source = source };
    }

    private FuzzCase AdminApi(int number, Random random)
    {
        var missing = 1_000_000 + random.Next(1_000_000);
        string method, target;
        var body = Array.Empty<byte>();
        switch (random.Next(7))
        {
            case 0:
            case 1:
                (method, target) = ("POST", "/admin/api/teams");
                var team = new List<KeyValuePair<string, string>>
                {
                    new("name", JsonString($"fz-{number}-{RandomText(random, 6)}")),
                    new("quota", "1000"),
                };
                for (var i = random.Next(1, 4); i > 0; i--)
                {
                    MutateFields(team, random, TeamFields);
                }

                body = Encoding.UTF8.GetBytes(Serialize(team, random));
                break;
            case 2:
                (method, target) = ("PATCH", $"/admin/api/teams/{missing}");
                var changes = new List<KeyValuePair<string, string>>();
                MutateFields(changes, random, TeamFields);
                body = Encoding.UTF8.GetBytes(Serialize(changes, random));
                break;
            case 3:
                (method, target) = Pick(random,
                    ("DELETE", $"/admin/api/teams/{missing}"), ("POST", $"/admin/api/teams/{missing}/reset"),
                    ("POST", $"/admin/api/teams/{missing}/rotate"), ("GET", $"/admin/api/teams/{missing}/resets?limit=-1"));
                break;
            case 4:
                (method, target) = ("GET", Pick(random, "/admin/api/logs", "/admin/api/logs.csv", "/admin/api/usage") + "?" +
                    string.Join('&', Enumerable.Range(0, random.Next(1, 5)).Select(_ =>
                        Pick(random, "team_id", "model", "status", "from", "to", "limit", "offset", "bucket") + "=" +
                        Uri.EscapeDataString(Pick(random, "-1", "abc", "1e9", "", "2026-02-30", "99999999999999999999",
                            RandomText(random, 8), "null", "hour", "day")))));
                break;
            case 5:
                // Never a wrong password as a string: five of those would lock the test's own address out.
                (method, target) = ("POST", "/admin/api/login");
                body = Encoding.UTF8.GetBytes(Pick(random, "{}", "{\"password\":12}", "{\"password\":null}",
                    "{\"password\":[\"x\"]}", "{\"pass\":\"x\"}", "nope", "", "{\"password\":{\"a\":1}}", "[]"));
                break;
            default:
                (method, target) = (Pick(random, "GET", "POST", "DELETE"), Pick(random, "/admin/api/teams", "/admin/api/settings",
                    "/admin/api/nothing", "/admin/api/session", "/admin/api/logout"));
                break;
        }

        if (body.Length > 0 && random.Next(100) < 25)
        {
            body = MutateBytes(body, random);
        }

        var headers = new List<(string, byte[])>();
        switch (random.Next(6))
        {
            case 0:
                break;
            case 1:
                headers.Add(("Cookie", Ascii("tr_admin=" + RandomText(random, 40) + "; tr_csrf=x")));
                headers.Add(("X-CSRF-TOKEN", Ascii(RandomText(random, 20))));
                break;
            default:
                headers.Add(("Authorization", Ascii("Bearer " + adminPassword)));
                break;
        }

        var source = target.EndsWith("/login", StringComparison.Ordinal)
            ? new IPAddress([127, 0, 1, (byte)(1 + (number % 250))])
            : AdminCaller;
        return new FuzzCase(number, "admin", FuzzArea.AdminApi, method, target,
            Build(method, target, "HTTP/1.1", headers, "application/json", body, Framing.ContentLength), false)
        {
            Source = source,
        };
    }

    private FuzzCase Case(
        int number, string kind, FuzzArea area, string method, string target,
        (string Name, string Value)? auth, byte[] body, Random random)
    {
        var headers = new List<(string, byte[])>();
        if (auth is { } a)
        {
            headers.Add((a.Name, Encoding.UTF8.GetBytes(a.Value)));
        }

        var framing = random.Next(10) == 0 ? Framing.Chunked : Framing.ContentLength;
        return new FuzzCase(number, kind, area, method, target,
            Build(method, target, "HTTP/1.1", headers, "application/json", body, framing), false);
    }

    /// <summary>Mostly the team's token as it should be sent; sometimes a wrong or strangely sent one.</summary>
    private (string Name, string Value)? V1Auth(Random random) => random.Next(20) switch
    {
        0 => null,
        1 => ("Authorization", "Bearer"),
        2 => ("Authorization", "Bearer sk-tr-" + RandomText(random, 40)),
        3 => ("Authorization", "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("team:" + teamToken))),
        4 => ("authorization", "bearer " + teamToken),
        5 => ("api-key", teamToken),
        6 => ("x-api-key", teamToken),
        7 => ("Authorization", "Bearer " + new string('k', random.Next(1000, 8000))),
        _ => ("Authorization", "Bearer " + teamToken),
    };

    private static List<KeyValuePair<string, string>> ValidBody(string endpoint, Random random)
    {
        var model = Pick(random, "\"gpt-4o-mini\"", "\"GPT-5-nano\"");
        var fields = new List<KeyValuePair<string, string>> { new("model", model) };
        switch (endpoint)
        {
            case "chat/completions":
                fields.Add(new("messages", "[{\"role\":\"user\",\"content\":\"Hello there\"}]"));
                break;
            case "completions":
            case "images/generations":
                fields.Add(new("prompt", "\"Hello there\""));
                break;
            case "audio/speech":
                fields.Add(new("input", "\"Hello there\""));
                fields.Add(new("voice", "\"alloy\""));
                break;
            default:
                fields.Add(new("input", "\"Hello there\""));
                break;
        }

        if (endpoint is "chat/completions" or "completions" or "responses" && random.Next(2) == 0)
        {
            fields.Add(new("stream", "true"));
        }

        return fields;
    }

    private static void MutateFields(
        List<KeyValuePair<string, string>> fields, Random random, string[] names)
    {
        switch (random.Next(5))
        {
            case 0 when fields.Count > 0:
                fields.RemoveAt(random.Next(fields.Count));
                break;
            case 1:
                // An unknown field: it must be forwarded, never a reason to refuse.
                fields.Add(new("x_" + RandomText(random, 6), RandomValue(random, 0)));
                break;
            case 2 when fields.Count > 0:
                // The same name twice, with another value.
                var twin = fields[random.Next(fields.Count)];
                fields.Add(new(twin.Key, RandomValue(random, 0)));
                break;
            default:
                var name = Pick(random, names);
                fields.RemoveAll(f => f.Key == name);
                fields.Insert(random.Next(fields.Count + 1), new(name, RandomValue(random, 0)));
                break;
        }
    }

    private static string Serialize(List<KeyValuePair<string, string>> fields, Random random)
    {
        var separator = random.Next(10) == 0 ? " ,\n\t" : ",";
        return "{" + string.Join(separator, fields.Select(f => JsonString(f.Key) + ":" + f.Value)) + "}";
    }

    /// <summary>Any JSON value, as text, including ones .NET cannot hold (1e400) and strings it cannot decode (\ud800).</summary>
    private static string RandomValue(Random random, int depth)
    {
        var roll = random.Next(depth > 2 ? 18 : 24);
        return roll switch
        {
            0 => "42",
            1 => "-1",
            2 => "0",
            3 => "1e400",
            4 => "-1e400",
            5 => "1.5",
            6 => "99999999999999999999999999",
            7 => "9223372036854775808",
            8 => "\"\"",
            9 => "\"gpt-4o-mini\"",
            10 => JsonString(RandomText(random, random.Next(0, 60))),
            11 => Pick(random, "\"\\u0000\\ud800\\udfff\\\"\"", "\"\\ud800x\"", "\"\\udc00\"", "\"\\uZZZZ\""),
            12 => "\"<img src=x onerror=alert(1)>\"",
            13 => "true",
            14 => "null",
            15 => "[]",
            16 => "{}",
            17 => JsonString(new string('x', random.Next(10_000, 120_000))),
            18 => "[" + string.Join(",", Enumerable.Range(0, random.Next(1, 4))
                .Select(_ => RandomValue(random, depth + 1))) + "]",
            19 => "{" + string.Join(",", Enumerable.Range(0, random.Next(1, 4)).Select(_ =>
                JsonString(Pick(random, "role", "content", "type", "text", "image_url", "url", "include_usage", RandomText(random, 5)))
                + ":" + RandomValue(random, depth + 1))) + "}",
            20 => "[{\"role\":\"user\",\"content\":" + RandomValue(random, depth + 1) + "}]",
            21 => "[{\"role\":" + RandomValue(random, depth + 1) + "}]",
            22 => new string('[', 300) + new string(']', 300),
            _ => "{\"include_usage\":" + RandomValue(random, depth + 1) + "}",
        };
    }

    private static byte[] MutateBytes(byte[] body, Random random)
    {
        if (body.Length == 0)
        {
            return [0xFF];
        }

        var bytes = new List<byte>(body);

        int At() => random.Next(bytes.Count);
        switch (random.Next(6))
        {
            case 0:
                return body[..random.Next(body.Length)];
            case 1:
                for (var i = random.Next(1, 6); i > 0; i--)
                {
                    bytes[random.Next(bytes.Count)] = (byte)random.Next(256);
                }

                break;
            case 2:
                // Invalid UTF-8 inside a string: a lone continuation byte, a truncated pair, an
                // encoded surrogate, an overlong slash.
                var at = Math.Max(0, bytes.IndexOf((byte)'"', random.Next(bytes.Count)) + 1);
                bytes.InsertRange(Math.Min(at, bytes.Count), Pick<byte[]>(random,
                    [0x80], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xFF, 0xFE], [0xF4, 0x90, 0x80, 0x80]));
                break;
            case 3:
                bytes.Insert(At(), 0);
                break;
            case 4:
                bytes.InsertRange(0, [0xEF, 0xBB, 0xBF]);
                break;
            default:
                bytes.InsertRange(At(), Encoding.UTF8.GetBytes(Pick(random, "\\", "\"", ",", "}", "]", "{\"a\":")));
                break;
        }

        return [.. bytes];
    }

    private enum Framing
    {
        ContentLength,
        Chunked,
        TwoLengths,
        LengthAndChunked,
        BadLength,
        NoHost,
    }

    private static byte[] Build(
        string method, string target, string version, List<(string, byte[])> headers, string contentType,
        byte[] body, Framing framing) =>
        BuildRaw(method, Ascii(target), version, headers, contentType, body, framing);

    private static byte[] BuildRaw(
        string method, byte[] target, string version, List<(string, byte[])> headers, string contentType,
        byte[] body, Framing framing)
    {
        var request = new MemoryStream();
        void Line(params byte[][] parts)
        {
            foreach (var part in parts)
            {
                request.Write(part);
            }

            request.Write("\r\n"u8);
        }

        Line(Ascii(method + " "), target, Ascii(" " + version));
        if (framing != Framing.NoHost)
        {
            Line(Ascii("Host: 127.0.0.1"));
        }

        foreach (var (name, value) in headers)
        {
            Line(Ascii(name + ": "), value);
        }

        if (contentType.Length > 0 && body.Length > 0)
        {
            Line(Ascii("Content-Type: " + contentType));
        }

        switch (framing)
        {
            case Framing.Chunked:
                Line(Ascii("Transfer-Encoding: chunked"));
                break;
            case Framing.TwoLengths:
                Line(Ascii($"Content-Length: {body.Length}"));
                Line(Ascii($"Content-Length: {body.Length + 1}"));
                break;
            case Framing.LengthAndChunked:
                Line(Ascii($"Content-Length: {body.Length}"));
                Line(Ascii("Transfer-Encoding: chunked"));
                break;
            case Framing.BadLength:
                Line(Ascii("Content-Length: -" + body.Length));
                break;
            default:
                if (body.Length > 0 || method is "POST" or "PUT" or "PATCH")
                {
                    Line(Ascii($"Content-Length: {body.Length}"));
                }

                break;
        }

        Line(Ascii("Connection: close"));
        Line();
        if (framing is Framing.Chunked)
        {
            if (body.Length > 0)
            {
                Line(Ascii(body.Length.ToString("x")));
                Line(body);
            }

            Line(Ascii("0"));
            Line();
        }
        else
        {
            request.Write(body);
        }

        return request.ToArray();
    }

    private static byte[] Ascii(string text) => Encoding.UTF8.GetBytes(text);

    private static string JsonString(string text) => JsonSerializer.Serialize(text);

    private static string RandomText(Random random, int length)
    {
        const string Alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_ .é中\"\\/<>%&;";
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++)
        {
            text.Append(Alphabet[random.Next(Alphabet.Length)]);
        }

        return text.ToString();
    }

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }

    private static T Pick<T>(Random random, params T[] choices) => choices[random.Next(choices.Length)];
}
