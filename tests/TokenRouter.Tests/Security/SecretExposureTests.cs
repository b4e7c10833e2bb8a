using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TokenRouter.Proxy;
using TokenRouter.Tests.Infrastructure;
using TokenRouter.Tests.Reliability;

namespace TokenRouter.Tests.Security;

/// <summary>
/// C11 and issue 6's secrets, end to end through the admin API and /v1: a whole session is
/// recorded, answer by answer, and then searched. A team token appears in the one answer that
/// created (or rotated) it and nowhere else; the provider key and the admin password appear in
/// no answer, no log line and no error; the database keeps a hash and a short prefix.
/// </summary>
public sealed class SecretExposureTests
{
    private readonly List<Seen> _seen = [];

    [Fact]
    public async Task WholeSession_TokensOnlyInTheirCreateAndRotateAnswers_KeyAndPasswordNowhere()
    {
        await using var env = await RouterFixture.StartAsync();
        var router = env.Router;

        // Anonymous callers: health, docs, the panel, /v1 without a token.
        using var anonymous = router.CreateClient(null);
        foreach (var path in new[] { "healthz", "readyz", "docs", "docs/index.html", "openapi/v1.json", "admin/", "admin/api/session" })
        {
            await SendAsync(anonymous, HttpMethod.Get, path);
        }

        await SendAsync(anonymous, HttpMethod.Get, "v1/models");
        await SendAsync(anonymous, HttpMethod.Get, "admin/api/settings");

        // The admin signs in with a browser session and creates a team: the token's one showing.
        var jar = new CookieContainer();
        using var browser = new HttpClient(new HttpClientHandler { CookieContainer = jar })
        {
            BaseAddress = new Uri(router.BaseUrl + "/"),
        };
        await SendAsync(browser, HttpMethod.Post, "admin/api/login", new { password = RouterServer.AdminPassword });
        var session = await SendAsync(browser, HttpMethod.Get, "admin/api/session");
        var csrf = JsonDocument.Parse(session.Body).RootElement.GetProperty("csrf_token").GetString()!;
        browser.DefaultRequestHeaders.Add("X-CSRF-TOKEN", csrf);
        var created = await SendAsync(browser, HttpMethod.Post, "admin/api/teams", new { name = "secrets", quota = 1_000_000 });
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var createdJson = JsonDocument.Parse(created.Body).RootElement;
        var teamId = createdJson.GetProperty("id").GetInt64();
        var firstToken = createdJson.GetProperty("token").GetString()!;

        // The team works with it: answers, streams, refusals, and provider errors that echo the key.
        await UseTokenAsync(router, env.Upstream, firstToken);

        // Rotation: the new token shows once; the old one stops working.
        var rotated = await SendAsync(browser, HttpMethod.Post, $"admin/api/teams/{teamId}/rotate");
        Assert.Equal(HttpStatusCode.OK, rotated.Status);
        var secondToken = JsonDocument.Parse(rotated.Body).RootElement.GetProperty("token").GetString()!;
        await UseTokenAsync(router, env.Upstream, secondToken);
        using (var stale = router.CreateClient(firstToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(stale, HttpMethod.Get, "v1/models")).Status);
        }

        // Everything the admin can read, by session and by Bearer password as the CLI does.
        foreach (var path in new[]
        {
            "admin/api/teams", $"admin/api/teams/{teamId}", $"admin/api/teams/{teamId}/resets", "admin/api/logs?limit=500",
            "admin/api/logs.csv", "admin/api/usage", "admin/api/usage?bucket=hour", "admin/api/settings", "admin/api/session",
        })
        {
            await SendAsync(browser, HttpMethod.Get, path);
        }

        using (var cli = router.CreateAdminClient())
        {
            await SendAsync(cli, HttpMethod.Get, "admin/api/teams");
            await SendAsync(cli, HttpMethod.Post, $"admin/api/teams/{teamId}/reset");
        }

        // A wrong password: refused, and the guess is not logged either.
        using (var guesser = router.CreateClient(null))
        {
            await SendAsync(guesser, HttpMethod.Post, "admin/api/login", new { password = "guess-Zq81x" });
        }

        await SendAsync(browser, HttpMethod.Post, "admin/api/logout");

        // The tokens: each in exactly one answer, the one that made it.
        Assert.Equal(new[] { created.Label }, _seen.Where(s => s.Contains(firstToken)).Select(s => s.Label));
        Assert.Equal(new[] { rotated.Label }, _seen.Where(s => s.Contains(secondToken)).Select(s => s.Label));

        // The provider key and the admin password: in no answer, no log line, no error.
        string[] secrets = [RouterServer.ProviderApiKey, RouterServer.AdminPassword];
        foreach (var secret in secrets)
        {
            var leaks = _seen.Where(s => s.Contains(secret)).Select(s => $"{s.Label} -> {(int)s.Status}: {s.Body}").ToList();
            Assert.True(leaks.Count == 0, $"A secret ({secret[..6]}...) is in these answers:\n{string.Join('\n', leaks)}");
        }

        var logs = router.Logs.AllText;
        Assert.True(router.Logs.Lines.Count > 20, "Too few log lines to prove anything.");
        foreach (var secret in secrets.Concat([firstToken, secondToken, "guess-Zq81x"]))
        {
            Assert.False(logs.Contains(secret, StringComparison.Ordinal), $"A log line holds a secret ({secret[..6]}...).");
        }

        // At rest: a SHA-256 hash and a short prefix, never the token itself, in any database file.
        var books = new BooksFile(router.DatabasePath);
        var (hash, prefix) = books.Query($"SELECT token_hash, token_prefix FROM teams WHERE id = {teamId}",
            r => (r.GetString(0), r.GetString(1))).Single();
        Assert.Equal(TeamTokens.Hash(secondToken), hash);
        Assert.True(secondToken.StartsWith(prefix, StringComparison.Ordinal) && prefix.Length <= 12, $"Prefix '{prefix}'.");
        Assert.DoesNotContain(_seen, s => s.Contains(hash));
        foreach (var token in new[] { firstToken, secondToken })
        {
            Assert.False(DataFilesContain(router.DataDirectory, token), "A database file holds a token in the clear.");
        }

        // The provider only ever saw its own key.
        Assert.All(env.Upstream.Requests, r =>
        {
            Assert.Equal("Bearer " + RouterServer.ProviderApiKey, r.Header("Authorization"));
            var everything = string.Join('\n', r.Headers.Select(h => $"{h.Key}: {h.Value}")) + r.BodyText;
            Assert.DoesNotContain(firstToken, everything);
            Assert.DoesNotContain(secondToken, everything);
        });
    }

    private async Task UseTokenAsync(RouterServer router, FakeUpstream upstream, string token)
    {
        using var client = router.CreateClient(token);
        object Chat(string model, bool stream) => new
        {
            model,
            messages = new[] { new { role = "user", content = "Hello" } },
            stream,
        };

        await SendAsync(client, HttpMethod.Get, "v1/models");
        await SendAsync(client, HttpMethod.Get, "v1/usage");
        foreach (var stream in new[] { false, true })
        {
            var answer = await SendAsync(client, HttpMethod.Post, "v1/chat/completions", Chat("gpt-4o-mini", stream));
            Assert.Equal(HttpStatusCode.OK, answer.Status);
        }

        await SendAsync(client, HttpMethod.Post, "v1/embeddings", new { model = "gpt-4o-mini", input = "Hello" });
        await SendAsync(client, HttpMethod.Post, "v1/chat/completions", Chat("no-such-model", false));
        await SendAsync(client, HttpMethod.Post, "v1/chat/completions", "{\"model\":");

        // A provider that echoes the key it was sent, in its error, streaming or not: the echo
        // must stop at TokenRouter.
        foreach (var stream in new[] { false, true })
        {
            upstream.On("chat/completions").Once(FakeResponse.Error(
                401, $"Incorrect API key provided: {RouterServer.ProviderApiKey}.", "invalid_request_error", "invalid_api_key"));
            var echoed = await SendAsync(client, HttpMethod.Post, "v1/chat/completions", Chat("gpt-4o-mini", stream));
            Assert.Equal(HttpStatusCode.Unauthorized, echoed.Status);
            var code = JsonDocument.Parse(echoed.Body).RootElement.GetProperty("error").GetProperty("code").GetString();
            Assert.Equal("provider_auth_failed", code);
        }

        upstream.On("chat/completions").Once(FakeResponse.Text(
            $"<html>bad gateway for key {RouterServer.ProviderApiKey}</html>", "text/html", 502));
        await SendAsync(client, HttpMethod.Post, "v1/chat/completions", Chat("gpt-4o-mini", false));
    }

    private async Task<Seen> SendAsync(HttpClient client, HttpMethod method, string path, object? body = null)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is string raw)
        {
            request.Content = new StringContent(raw, Encoding.UTF8, "application/json");
        }
        else if (body is not null)
        {
            request.Content = JsonContent.Create(body);
        }

        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var headers = string.Join('\n', response.Headers.Concat(response.Content.Headers)
            .Select(h => $"{h.Key}: {string.Join(", ", h.Value)}"));
        var seen = new Seen($"#{_seen.Count} {method} {path}", response.StatusCode, headers, text);
        _seen.Add(seen);
        return seen;
    }

    /// <summary>True when <paramref name="text"/> (as UTF-8) is anywhere in the files under <paramref name="directory"/>.</summary>
    private static bool DataFilesContain(string directory, string text)
    {
        var needle = Encoding.UTF8.GetBytes(text);
        foreach (var path in Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories))
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            file.CopyTo(copy);
            if (copy.GetBuffer().AsSpan(0, (int)copy.Length).IndexOf(needle) >= 0)
            {
                return true;
            }
        }

        return false;
    }

    private sealed record Seen(string Label, HttpStatusCode Status, string Headers, string Body)
    {
        public bool Contains(string secret) =>
            Headers.Contains(secret, StringComparison.Ordinal) || Body.Contains(secret, StringComparison.Ordinal);
    }
}
