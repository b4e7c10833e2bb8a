using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TokenRouter.Admin;
using TokenRouter.Storage;

namespace TokenRouter.Tests.Admin;

/// <summary>Request log reads; the class's server holds only the rows these tests write.</summary>
public sealed class LogEndpointsTests(LogEndpointsTests.Fixture fixture) : IClassFixture<LogEndpointsTests.Fixture>
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    public sealed class Fixture : IAsyncLifetime
    {
        public AdminServer Server { get; } = new();
        public long Alpha { get; private set; }
        public long Beta { get; private set; }

        public async Task InitializeAsync()
        {
            await Server.InitializeAsync();
            Alpha = (await Server.CreateTeamAsync(new { name = "=HYPERLINK(\"http://x\")", quota = 1_000_000 })).GetProperty("id").GetInt64();
            Beta = (await Server.CreateTeamAsync(new { name = "beta", quota = 1_000_000 })).GetProperty("id").GetInt64();

            // 30 rows for alpha a minute apart, 5 for beta, two of them refused with 429.
            for (var i = 0; i < 30; i++)
            {
                await Server.ChargeAsync(Alpha, 10 + i, "GPT-5-mini", Start.AddMinutes(i), requestId: $"a{i:D2}",
                    endUser: i == 0 ? "-2+3, \"quoted\"\nnext line" : null);
            }

            for (var i = 0; i < 5; i++)
            {
                await Server.ChargeAsync(Beta, i < 2 ? 0 : 7, "GPT-5-nano", Start.AddMinutes(100 + i), status: i < 2 ? 429 : 200,
                    requestId: $"b{i}");
            }
        }

        public Task DisposeAsync() => Server.DisposeAsync();
    }

    private AdminServer Server => fixture.Server;

    private async Task<JsonElement> GetAsync(string query)
    {
        using var client = Server.BearerClient();
        var response = await client.GetAsync("/admin/api/logs" + query);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task Logs_DefaultPage_IsNewestFirstFiftyWithTotal()
    {
        var page = await GetAsync("");

        Assert.Equal(35, page.GetProperty("total").GetInt64());
        var rows = page.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(35, rows.Count);
        Assert.Equal("b4", rows[0].GetProperty("request_id").GetString());
        Assert.Equal("beta", rows[0].GetProperty("team_name").GetString());
        Assert.Equal("GPT-5-nano", rows[0].GetProperty("model").GetString());
        Assert.Equal("/v1/chat/completions", rows[0].GetProperty("endpoint").GetString());
        Assert.False(rows[0].GetProperty("stream").GetBoolean());
        Assert.Equal(7, rows[0].GetProperty("total_tokens").GetInt64());
        foreach (var field in new[] { "started_at", "team_id", "status", "prompt_tokens", "completion_tokens", "cached_tokens",
                     "reasoning_tokens", "estimated", "duration_ms", "upstream_request_id", "error_type", "end_user" })
        {
            Assert.True(rows[0].TryGetProperty(field, out _), field);
        }
    }

    [Fact]
    public async Task Logs_FiltersAndPaging_SelectTheRightRows()
    {
        var byTeam = await GetAsync($"?team_id={fixture.Alpha}&limit=10&offset=5");
        var rows = byTeam.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("request_id").GetString()).ToList();
        Assert.Equal(30, byTeam.GetProperty("total").GetInt64());
        Assert.Equal(Enumerable.Range(15, 10).Reverse().Select(i => $"a{i:D2}"), rows);

        var byStatus = await GetAsync("?status=429");
        Assert.Equal(2, byStatus.GetProperty("total").GetInt64());

        var byModel = await GetAsync("?model=GPT-5-nano&status=200");
        Assert.Equal(3, byModel.GetProperty("total").GetInt64());

        var byModelInOtherCase = await GetAsync("?model=gpt-5-NANO&status=200");
        Assert.Equal(3, byModelInOtherCase.GetProperty("total").GetInt64());

        var byTime = await GetAsync($"?from={Start.AddMinutes(10):O}&to={Start.AddMinutes(20):O}".Replace("+", "%2B"));
        var times = byTime.GetProperty("data").EnumerateArray().Select(r => r.GetProperty("started_at").GetDateTimeOffset()).ToList();
        Assert.Equal(10, times.Count);
        Assert.All(times, t => Assert.InRange(t, Start.AddMinutes(10), Start.AddMinutes(19)));
    }

    [Theory]
    [InlineData("?team_id=abc", "team_id")]
    [InlineData("?status=99", "status")]
    [InlineData("?status=ok", "status")]
    [InlineData("?from=yesterday", "from")]
    [InlineData("?to=2026-13-45T00:00:00Z", "to")]
    [InlineData("?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", "from")]
    [InlineData("?limit=0", "limit")]
    [InlineData("?limit=501", "limit")]
    [InlineData("?offset=-1", "offset")]
    [InlineData("?offset=99999999999", "offset")]
    [InlineData("?limit=-5", "limit")]
    [InlineData("?limit=99999999999", "limit")]
    [InlineData("?team_id=99999999999999999999", "team_id")]
    [InlineData("?status=99999999999", "status")]
    [InlineData("?to=9999-12-31T23:59:59Z", "to")]
    [InlineData("?from=0001-01-01T00:00:00Z", "from")]
    public async Task Logs_InvalidFilter_Returns400NamingIt(string query, string param)
    {
        using var client = Server.BearerClient();

        var response = await client.GetAsync("/admin/api/logs" + query);
        var csv = await client.GetAsync("/admin/api/logs.csv" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(param, JsonDocument.Parse(await response.Content.ReadAsStringAsync())
            .RootElement.GetProperty("error").GetProperty("param").GetString());
        if (param is not ("limit" or "offset"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, csv.StatusCode);
        }
    }

    [Fact]
    public async Task LogsCsv_ExportsAllFilteredRows_EscapedAndDefused()
    {
        using var client = Server.BearerClient();

        var response = await client.GetAsync($"/admin/api/logs.csv?team_id={fixture.Alpha}");
        var text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("attachment", response.Content.Headers.ContentDisposition?.ToString());
        var lines = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(string.Join(',', LogCsv.Columns), lines[0]);

        // The header and 30 rows; the bare line break inside a quoted cell does not end a record.
        Assert.Equal(31, lines.Length);
        Assert.Contains("a29,2026-03-01T12:29:00.000Z," + fixture.Alpha + ",\"'=HYPERLINK(\"\"http://x\"\")\",GPT-5-mini", text);
        Assert.Contains(",\"'-2+3, \"\"quoted\"\"\nnext line\"", text.Replace("\r\n", "\n"));
    }

    [Fact]
    public async Task LogsCsv_MoreRowsThanOnePage_AreAllExported()
    {
        var server = Server;
        var team = (await server.CreateTeamAsync(new { name = "bulk", quota = 10_000_000 })).GetProperty("id").GetInt64();
        var charges = Enumerable.Range(0, 620).Select(i =>
            server.ChargeAsync(team, 1, "GPT-5-mini", Start.AddDays(10).AddSeconds(i), requestId: $"bulk{i:D4}"));
        await Task.WhenAll(charges);
        using var client = server.BearerClient();

        var text = await client.GetStringAsync($"/admin/api/logs.csv?team_id={team}");

        var ids = text.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')[0]).ToList();
        Assert.Equal(620, ids.Count);
        Assert.Equal(620, ids.Distinct().Count());
    }

    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("", "")]
    [InlineData(null, "")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("=1+1", "'=1+1")]
    [InlineData("+1", "'+1")]
    [InlineData("-1", "'-1")]
    [InlineData("@SUM(A1)", "'@SUM(A1)")]
    [InlineData("\tx", "'\tx")]
    [InlineData("=cmd,|'/c calc'", "\"'=cmd,|'/c calc'\"")]
    [InlineData("line\nbreak", "\"line\nbreak\"")]
    public void Escape_QuotesAndDefusesCells(string? value, string expected)
    {
        Assert.Equal(expected, LogCsv.Escape(value));
    }

    [Fact]
    public void FormatRow_NumbersAreNotDefused()
    {
        var entry = new LogEntry(new UsageRecord
        {
            RequestId = "r1",
            StartedAt = Start,
            TeamId = 3,
            Model = "m",
            Endpoint = "/v1/embeddings",
            Stream = true,
            Status = 200,
            TotalTokens = 5,
            DurationMs = 7,
        }, TeamName: null);

        Assert.Equal("r1,2026-03-01T12:00:00.000Z,3,,m,/v1/embeddings,true,200,0,0,5,0,0,false,7,,,", LogCsv.FormatRow(entry));
    }
}
