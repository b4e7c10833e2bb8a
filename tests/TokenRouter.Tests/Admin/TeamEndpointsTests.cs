using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using TokenRouter.Proxy;

namespace TokenRouter.Tests.Admin;

public sealed class TeamEndpointsTests(AdminServer server) : IClassFixture<AdminServer>
{
    private static string Unique(string name) => $"{name}-{Guid.NewGuid():N}"[..30];

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    [Fact]
    public async Task Create_ValidTeam_Returns201WithTokenShownOnceAndHashedInTheLedger()
    {
        var name = Unique("alpha");

        var team = await server.CreateTeamAsync(new { name = "  " + name + "  ", quota = 100_000 });

        var token = team.GetProperty("token").GetString()!;
        Assert.StartsWith("sk-tr-", token);
        Assert.Equal(46, token.Length);
        Assert.Equal(name, team.GetProperty("name").GetString());
        Assert.Equal(100_000, team.GetProperty("quota").GetInt64());
        Assert.Equal(0, team.GetProperty("used").GetInt64());
        Assert.Equal(100_000, team.GetProperty("remaining").GetInt64());
        Assert.Equal(TeamTokens.DisplayPrefix(token), team.GetProperty("token_prefix").GetString());
        Assert.Equal("none", team.GetProperty("period").GetString());
        Assert.Equal(JsonValueKind.Null, team.GetProperty("next_reset_at").ValueKind);
        Assert.Equal(JsonValueKind.Null, team.GetProperty("rpm").ValueKind);
        Assert.True(team.GetProperty("enabled").GetBoolean());
        Assert.False(team.TryGetProperty("token_hash", out _));
        Assert.NotNull(server.Directory.FindByTokenHash(TeamTokens.Hash(token)));
    }

    [Fact]
    public async Task Create_WithPolicy_StoresConfiguredModelSpellingAndLimits()
    {
        var team = await server.CreateTeamAsync(new
        {
            name = Unique("policy"),
            quota = 5,
            period = "monthly",
            models = new[] { "gpt-5-MINI", "GPT-5-mini", "gemini-2.5-pro" },
            rpm = 60,
            tpm = 10_000,
            expires_at = "2030-01-31T12:00:00+01:00",
            enabled = false,
        });

        Assert.Equal(["GPT-5-mini", "Gemini-2.5-pro"], team.GetProperty("models").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(60, team.GetProperty("rpm").GetInt32());
        Assert.Equal(10_000, team.GetProperty("tpm").GetInt64());
        Assert.Equal(new DateTimeOffset(2030, 1, 31, 11, 0, 0, TimeSpan.Zero), team.GetProperty("expires_at").GetDateTimeOffset());
        Assert.False(team.GetProperty("enabled").GetBoolean());
        Assert.Equal("monthly", team.GetProperty("period").GetString());
        var nextReset = team.GetProperty("next_reset_at").GetDateTimeOffset();
        Assert.Equal(1, nextReset.Day);
        Assert.True(nextReset > DateTimeOffset.UtcNow);
    }

    [Theory]
    [InlineData("""{"quota":10}""", "name")]
    [InlineData("""{"name":"   ","quota":10}""", "name")]
    [InlineData("""{"name":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","quota":10}""", "name")]
    [InlineData("""{"name":"bad\nname","quota":10}""", "name")]
    [InlineData("""{"name":42,"quota":10}""", "name")]
    [InlineData("""{"name":"\u200b","quota":10}""", "name")]
    [InlineData("""{"name":" \u200b\u2060 ","quota":10}""", "name")]
    [InlineData("""{"name":"x\u202egnp.exe","quota":10}""", "name")]
    [InlineData("""{"name":"team\u200d","quota":10}""", "name")]
    [InlineData("""{"name":"a\ufeffb","quota":10}""", "name")]
    [InlineData("""{"name":"ok"}""", "quota")]
    [InlineData("""{"name":"ok","quota":-1}""", "quota")]
    [InlineData("""{"name":"ok","quota":1.5}""", "quota")]
    [InlineData("""{"name":"ok","quota":"100"}""", "quota")]
    [InlineData("""{"name":"ok","quota":1,"period":"yearly"}""", "period")]
    [InlineData("""{"name":"ok","quota":1,"models":["gpt-4"]}""", "models")]
    [InlineData("""{"name":"ok","quota":1,"models":"GPT-5-mini"}""", "models")]
    [InlineData("""{"name":"ok","quota":1,"rpm":0}""", "rpm")]
    [InlineData("""{"name":"ok","quota":1,"tpm":-5}""", "tpm")]
    [InlineData("""{"name":"ok","quota":1,"expires_at":"next tuesday"}""", "expires_at")]
    [InlineData("""{"name":"ok","quota":1,"expires_at":"01/02/2030"}""", "expires_at")]
    [InlineData("""{"name":"ok","quota":1,"enabled":"yes"}""", "enabled")]
    [InlineData("""{"name":"ok","quota":1,"quotas":5}""", "quotas")]
    public async Task Create_InvalidField_Returns400NamingTheField(string body, string param)
    {
        using var client = server.BearerClient();

        var response = await client.PostAsync("/admin/api/teams", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await ReadJsonAsync(response)).GetProperty("error");
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    [Theory]
    [InlineData(40, "\U0001F600")]
    [InlineData(64, "\U0001F468\u200D\U0001F469\u200D\U0001F467")]
    [InlineData(64, "\U0001F1E9\U0001F1EA")]
    [InlineData(64, "e\u0301")]
    public async Task Create_NameOfEmojiOrCombiningMarks_CountsWhatPeopleSee(int count, string character)
    {
        var name = string.Concat(Enumerable.Repeat(character, count - 1)) + Guid.NewGuid().ToString("N")[..1];

        var team = await server.CreateTeamAsync(new { name, quota = 1 });

        Assert.Equal(name, team.GetProperty("name").GetString());
    }

    [Theory]
    [InlineData("""{"quota":9223372036854775807}""")]
    [InlineData("""{"quota":1,"tpm":9223372036854775807,"rpm":2147483647}""")]
    [InlineData("""{"quota":1,"expires_at":"9999-12-31T23:59:59Z"}""")]
    [InlineData("""{"quota":1,"expires_at":"0001-01-01T00:00:00Z"}""")]
    [InlineData("""{"quota":1,"expires_at":"0001-01-01T00:00:00+14:00"}""")]
    public async Task Create_ExtremeValues_AreAnsweredAndListedWithout500(string fields)
    {
        using var client = server.BearerClient();
        var body = fields.Replace("{", $$"""{"name":"edge-{{Guid.NewGuid():N}}",""", StringComparison.Ordinal);

        var created = await client.PostAsync("/admin/api/teams", new StringContent(body, Encoding.UTF8, "application/json"));
        var list = await client.GetAsync("/admin/api/teams");

        Assert.True((int)created.StatusCode < 500, await created.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        if (created.StatusCode == HttpStatusCode.Created)
        {
            var id = (await ReadJsonAsync(created)).GetProperty("id").GetInt64();
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/admin/api/teams/{id}")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/admin/api/usage?team_id={id}")).StatusCode);
        }
    }

    [Fact]
    public async Task Create_NameOfBidiOverride_SaysWhatIsWrong()
    {
        using var client = server.BearerClient();

        var response = await client.PostAsJsonAsync("/admin/api/teams", new { name = "x\u202egnp.exe", quota = 1 });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("U+202E", (await ReadJsonAsync(response)).GetProperty("error").GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("{\"name\":")]
    [InlineData("not json")]
    [InlineData("[1,2]")]
    [InlineData("")]
    public async Task Create_MalformedBody_Returns400JsonError(string body)
    {
        using var client = server.BearerClient();

        var response = await client.PostAsync("/admin/api/teams", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await ReadJsonAsync(response)).GetProperty("error");
        Assert.Equal("invalid_json", error.GetProperty("code").GetString());
        Assert.Equal(JsonValueKind.Null, error.GetProperty("param").ValueKind);
    }

    [Theory]
    [InlineData("POST", "{\"name\":\"\\udc00\",\"quota\":1}")]
    [InlineData("POST", "{\"name\":\"ok\",\"quota\":1,\"x\":[{\"\\ud800x\":1}]}")]
    [InlineData("POST", "{\"name\":\"\xFF\xFE\",\"quota\":1}")]
    [InlineData("PATCH", "{\"name\":\"\xC0\xAF\"}")]
    public async Task CreateOrPatch_TextThatIsNotUnicode_Returns400InvalidText(string method, string body)
    {
        using var client = server.BearerClient();
        var team = await server.CreateTeamAsync(new { name = Unique("text"), quota = 5 });
        var path = method == "POST" ? "/admin/api/teams" : $"/admin/api/teams/{team.GetProperty("id").GetInt64()}";

        // The \xNN characters of the case stand for single raw bytes, as a client might send them.
        var content = new ByteArrayContent([.. body.Select(c => (byte)c)]);
        content.Headers.ContentType = new("application/json");
        var response = await client.SendAsync(new HttpRequestMessage(new HttpMethod(method), path) { Content = content });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var error = (await ReadJsonAsync(response)).GetProperty("error");
        Assert.Equal("invalid_text", error.GetProperty("code").GetString());
        Assert.Contains("not valid Unicode", error.GetProperty("message").GetString());
        var unchanged = await ReadJsonAsync(await client.GetAsync($"/admin/api/teams/{team.GetProperty("id").GetInt64()}"));
        Assert.Equal(team.GetProperty("name").GetString(), unchanged.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Create_JsonSentAsPlainText_Is415AndCreatesNothing()
    {
        // A text/plain body is what a hostile page can send cross-site without a CORS preflight.
        using var client = server.BearerClient();
        var name = Unique("plain");
        var body = $$"""{"name":"{{name}}","quota":3}""";

        var response = await client.PostAsync("/admin/api/teams", new StringContent(body, Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        Assert.Equal("unsupported_media_type", (await ReadJsonAsync(response)).GetProperty("error").GetProperty("code").GetString());
        Assert.Null(await server.Books.GetTeamByNameAsync(name, CancellationToken.None));
    }

    [Fact]
    public async Task Create_OversizedBody_Returns413JsonError()
    {
        using var client = server.BearerClient();
        var body = "{\"name\":\"" + new string('x', 100_000) + "\",\"quota\":1}";

        var response = await client.PostAsync("/admin/api/teams", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("body_too_large", (await ReadJsonAsync(response)).GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Create_DuplicateName_Returns409()
    {
        var name = Unique("dup");
        await server.CreateTeamAsync(new { name, quota = 1 });
        using var client = server.BearerClient();

        var response = await client.PostAsJsonAsync("/admin/api/teams", new { name, quota = 2 });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var error = (await ReadJsonAsync(response)).GetProperty("error");
        Assert.Equal("name", error.GetProperty("param").GetString());
        Assert.Equal("duplicate_name", error.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Get_List_ShowLiveUsedAndRemainingAfterCharges()
    {
        var team = await server.CreateTeamAsync(new { name = Unique("live"), quota = 1000 });
        var id = team.GetProperty("id").GetInt64();

        await server.ChargeAsync(id, 120);
        await server.ChargeAsync(id, 80);

        using var client = server.BearerClient();
        var one = await client.GetFromJsonAsync<JsonElement>($"/admin/api/teams/{id}");
        Assert.Equal(200, one.GetProperty("used").GetInt64());
        Assert.Equal(800, one.GetProperty("remaining").GetInt64());
        Assert.NotEqual(JsonValueKind.Null, one.GetProperty("last_request_at").ValueKind);

        var list = await client.GetFromJsonAsync<JsonElement>("/admin/api/teams");
        var listed = list.GetProperty("data").EnumerateArray().Single(t => t.GetProperty("id").GetInt64() == id);
        Assert.Equal(200, listed.GetProperty("used").GetInt64());
        Assert.Equal(200, server.Directory.Find(id)!.Team.Used);
    }

    [Fact]
    public async Task Patch_ChangesPolicyButNeverTheCounters()
    {
        var team = await server.CreateTeamAsync(new { name = Unique("patch"), quota = 1000, rpm = 5, expires_at = "2030-01-01T00:00:00Z" });
        var id = team.GetProperty("id").GetInt64();
        await server.ChargeAsync(id, 300);
        using var client = server.BearerClient();
        var newName = Unique("renamed");

        var response = await client.PatchAsync($"/admin/api/teams/{id}", JsonContent.Create(new
        {
            name = newName,
            quota = 5000,
            rpm = (int?)null,
            expires_at = (string?)null,
            period = "daily",
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var patched = await ReadJsonAsync(response);
        Assert.Equal(newName, patched.GetProperty("name").GetString());
        Assert.Equal(5000, patched.GetProperty("quota").GetInt64());
        Assert.Equal(300, patched.GetProperty("used").GetInt64());
        Assert.Equal(4700, patched.GetProperty("remaining").GetInt64());
        Assert.Equal(JsonValueKind.Null, patched.GetProperty("rpm").ValueKind);
        Assert.Equal(JsonValueKind.Null, patched.GetProperty("expires_at").ValueKind);
        Assert.Equal(JsonValueKind.String, patched.GetProperty("next_reset_at").ValueKind);
        var account = server.Directory.Find(id)!;
        Assert.Equal(5000, account.Team.Quota);
        Assert.Equal(newName, account.Team.Name);
        Assert.Equal(300, account.Team.Used);
    }

    [Fact]
    public async Task Patch_AbsentFieldsStayAsTheyWere()
    {
        var team = await server.CreateTeamAsync(new { name = Unique("keep"), quota = 10, rpm = 7, tpm = 70 });
        var id = team.GetProperty("id").GetInt64();
        using var client = server.BearerClient();

        var patched = await ReadJsonAsync(await client.PatchAsync($"/admin/api/teams/{id}", JsonContent.Create(new { quota = 11 })));

        Assert.Equal(11, patched.GetProperty("quota").GetInt64());
        Assert.Equal(7, patched.GetProperty("rpm").GetInt32());
        Assert.Equal(70, patched.GetProperty("tpm").GetInt64());
        Assert.Equal(team.GetProperty("name").GetString(), patched.GetProperty("name").GetString());
    }

    [Fact]
    public async Task Patch_InvalidField_Returns400AndChangesNothing()
    {
        var team = await server.CreateTeamAsync(new { name = Unique("stay"), quota = 10 });
        var id = team.GetProperty("id").GetInt64();
        using var client = server.BearerClient();

        var response = await client.PatchAsync($"/admin/api/teams/{id}", JsonContent.Create(new { quota = 99, tpm = 0 }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("tpm", (await ReadJsonAsync(response)).GetProperty("error").GetProperty("param").GetString());
        Assert.Equal(10, (await client.GetFromJsonAsync<JsonElement>($"/admin/api/teams/{id}")).GetProperty("quota").GetInt64());
    }

    [Fact]
    public async Task Patch_NameOfAnotherTeam_Returns409()
    {
        var first = await server.CreateTeamAsync(new { name = Unique("one"), quota = 1 });
        var second = await server.CreateTeamAsync(new { name = Unique("two"), quota = 1 });
        using var client = server.BearerClient();

        var response = await client.PatchAsync($"/admin/api/teams/{second.GetProperty("id").GetInt64()}",
            JsonContent.Create(new { name = first.GetProperty("name").GetString() }));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
    }

    [Theory]
    [InlineData("PUT", "/admin/api/teams", "GET, POST")]
    [InlineData("DELETE", "/admin/api/teams", "GET, POST")]
    [InlineData("PUT", "/admin/api/teams/1", "GET, PATCH, DELETE")]
    [InlineData("GET", "/admin/api/teams/1/reset", "POST")]
    [InlineData("POST", "/admin/api/usage", "GET")]
    public async Task WrongMethodOnKnownPath_Returns405WithAllowAndJson(string method, string path, string allow)
    {
        using var client = server.BearerClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.MethodNotAllowed, response.StatusCode);
        Assert.Equal(allow.Split(", ").Order(), response.Content.Headers.Allow.Order());
        var error = (await ReadJsonAsync(response)).GetProperty("error");
        Assert.Equal("method_not_allowed", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
    }

    [Theory]
    [InlineData("GET", "/admin/api/teams/999999")]
    [InlineData("PATCH", "/admin/api/teams/999999")]
    [InlineData("DELETE", "/admin/api/teams/999999")]
    [InlineData("POST", "/admin/api/teams/999999/reset")]
    [InlineData("POST", "/admin/api/teams/999999/rotate")]
    [InlineData("GET", "/admin/api/teams/999999/resets")]
    [InlineData("GET", "/admin/api/teams/not-a-number")]
    [InlineData("GET", "/admin/api/no-such-thing")]
    [InlineData("PUT", "/admin/api/teams/not-a-number")]
    public async Task UnknownTeamOrPath_Returns404Json(string method, string path)
    {
        using var client = server.BearerClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path)
        {
            Content = method == "PATCH" ? JsonContent.Create(new { quota = 1 }) : null,
        };

        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("not_found", (await ReadJsonAsync(response)).GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task Delete_RemovesTeamFromBooksAndLedger()
    {
        var team = await server.CreateTeamAsync(new { name = Unique("gone"), quota = 1 });
        var id = team.GetProperty("id").GetInt64();
        using var client = server.BearerClient();

        var response = await client.DeleteAsync($"/admin/api/teams/{id}");

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Null(server.Directory.Find(id));
        Assert.Null(server.Directory.FindByTokenHash(TeamTokens.Hash(team.GetProperty("token").GetString()!)));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/admin/api/teams/{id}")).StatusCode);
    }

    [Fact]
    public async Task Reset_SetsUsedToZeroInBooksAndLedger_AndIsRecorded()
    {
        var team = await server.CreateTeamAsync(new { name = Unique("reset"), quota = 1000 });
        var id = team.GetProperty("id").GetInt64();
        await server.ChargeAsync(id, 400);
        using var client = server.BearerClient();

        var response = await client.PostAsync($"/admin/api/teams/{id}/reset", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reset = await ReadJsonAsync(response);
        Assert.Equal(0, reset.GetProperty("used").GetInt64());
        Assert.Equal(1000, reset.GetProperty("remaining").GetInt64());
        Assert.Equal(0, server.Directory.Find(id)!.Team.Used);

        await server.ChargeAsync(id, 25);
        Assert.Equal(25, (await client.GetFromJsonAsync<JsonElement>($"/admin/api/teams/{id}")).GetProperty("used").GetInt64());

        var resets = (await client.GetFromJsonAsync<JsonElement>($"/admin/api/teams/{id}/resets")).GetProperty("data");
        var only = Assert.Single(resets.EnumerateArray());
        Assert.Equal("manual", only.GetProperty("kind").GetString());
        Assert.Equal(400, only.GetProperty("used_before").GetInt64());
        Assert.StartsWith("api ", only.GetProperty("by").GetString());
        Assert.NotEqual(default, only.GetProperty("at").GetDateTimeOffset());
    }

    [Fact]
    public async Task Rotate_ReturnsNewTokenOnce_AndTheOldOneStopsMatching()
    {
        var team = await server.CreateTeamAsync(new { name = Unique("rotate"), quota = 1000 });
        var id = team.GetProperty("id").GetInt64();
        var oldToken = team.GetProperty("token").GetString()!;
        await server.ChargeAsync(id, 10);
        using var client = server.BearerClient();

        var response = await client.PostAsync($"/admin/api/teams/{id}/rotate", null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rotated = await ReadJsonAsync(response);
        var newToken = rotated.GetProperty("token").GetString()!;
        Assert.NotEqual(oldToken, newToken);
        Assert.Equal(TeamTokens.DisplayPrefix(newToken), rotated.GetProperty("token_prefix").GetString());
        Assert.Equal(10, rotated.GetProperty("used").GetInt64());
        Assert.Null(server.Directory.FindByTokenHash(TeamTokens.Hash(oldToken)));
        Assert.Equal(id, server.Directory.FindByTokenHash(TeamTokens.Hash(newToken))!.Id);
    }

    [Fact]
    public async Task Token_NeverAppearsInReadsListsLogsOrServerLog()
    {
        var created = await server.CreateTeamAsync(new { name = Unique("secret"), quota = 1000 });
        var id = created.GetProperty("id").GetInt64();
        var token = created.GetProperty("token").GetString()!;
        using var client = server.BearerClient();
        var rotated = await ReadJsonAsync(await client.PostAsync($"/admin/api/teams/{id}/rotate", null));
        var newToken = rotated.GetProperty("token").GetString()!;
        await server.ChargeAsync(id, 5);
        var hash = TeamTokens.Hash(newToken);

        string[] reads =
        [
            await client.GetStringAsync("/admin/api/teams"),
            await client.GetStringAsync($"/admin/api/teams/{id}"),
            await client.GetStringAsync($"/admin/api/teams/{id}/resets"),
            await client.GetStringAsync("/admin/api/logs"),
            await client.GetStringAsync("/admin/api/logs.csv"),
            await client.GetStringAsync("/admin/api/usage"),
            await client.GetStringAsync("/admin/api/settings"),
            await (await client.PatchAsync($"/admin/api/teams/{id}", JsonContent.Create(new { quota = 2000 }))).Content.ReadAsStringAsync(),
            await (await client.PostAsync($"/admin/api/teams/{id}/reset", null)).Content.ReadAsStringAsync(),
            string.Join('\n', server.Logs.Entries.Select(e => e.Message)),
        ];

        foreach (var text in reads)
        {
            Assert.DoesNotContain(token, text);
            Assert.DoesNotContain(newToken, text);
            Assert.DoesNotContain(hash, text);
            Assert.DoesNotContain(newToken[..20], text);
        }
    }
}
