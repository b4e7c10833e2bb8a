using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using TokenRouter.Storage;

namespace TokenRouter.Tests.Admin;

public sealed class UsageAndSettingsTests(AdminServer server) : IClassFixture<AdminServer>
{
    [Fact]
    public async Task Usage_AggregatesTheBooks()
    {
        var team = (await server.CreateTeamAsync(new { name = "usage-" + Guid.NewGuid().ToString("N")[..8], quota = 100_000 }))
            .GetProperty("id").GetInt64();
        var now = DateTimeOffset.UtcNow;
        await server.ChargeAsync(team, 100, "GPT-5-mini", now.AddMinutes(-5));
        await server.ChargeAsync(team, 50, "GPT-5-nano", now.AddMinutes(-4));
        using var client = server.BearerClient();

        var usage = await client.GetFromJsonAsync<JsonElement>(
            $"/admin/api/usage?team_id={team}&bucket=hour&from={now.AddHours(-3).UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}");

        var totals = usage.GetProperty("totals");
        if (now.AddMinutes(-5).Date == now.Date)
        {
            Assert.Equal(150, totals.GetProperty("today").GetInt64());
        }

        Assert.Equal(150, totals.GetProperty("last_7_days").GetInt64());
        Assert.Equal(150, totals.GetProperty("last_30_days").GetInt64());
        Assert.Equal("hour", usage.GetProperty("bucket").GetString());
        var series = usage.GetProperty("series").EnumerateArray().ToList();
        Assert.Equal(150, series.Sum(p => p.GetProperty("total_tokens").GetInt64()));
        Assert.Equal(2, series.Sum(p => p.GetProperty("requests").GetInt64()));
        Assert.True(series.Count >= 3);
        var byModel = usage.GetProperty("by_model").EnumerateArray().ToDictionary(
            m => m.GetProperty("model").GetString()!, m => m.GetProperty("total_tokens").GetInt64());
        Assert.Equal(100, byModel["GPT-5-mini"]);
        Assert.Equal(50, byModel["GPT-5-nano"]);
    }

    [Fact]
    public async Task Usage_ByModel_CountsOnlyRequestsSentToTheProvider()
    {
        var team = (await server.CreateTeamAsync(new { name = "models-" + Guid.NewGuid().ToString("N")[..8], quota = 100_000 }))
            .GetProperty("id").GetInt64();
        var now = DateTimeOffset.UtcNow.AddMinutes(-5);
        await server.ChargeAsync(team, 100, "GPT-5-mini", now);
        await server.ChargeAsync(team, 0, "", now, requestId: "models-" + Guid.NewGuid().ToString("N"));
        await server.Books.ChargeAsync(Refused(team, "+1+1", 404, "model_not_found", now), () => { });
        await server.Books.ChargeAsync(Refused(team, "GPT-5-nano", 429, "insufficient_quota", now), () => { });
        await server.Books.ChargeAsync(Refused(team, "GPT-5-nano", 502, "upstream_error", now), () => { });
        using var client = server.BearerClient();

        var usage = await client.GetFromJsonAsync<JsonElement>($"/admin/api/usage?team_id={team}");

        var byModel = usage.GetProperty("by_model").EnumerateArray().ToDictionary(
            m => m.GetProperty("model").GetString()!, m => m.GetProperty("requests").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["GPT-5-mini"] = 1, ["GPT-5-nano"] = 1 }, byModel);
        Assert.Equal(5, usage.GetProperty("by_team")[0].GetProperty("requests").GetInt64());
    }

    [Fact]
    public async Task Usage_ByTeam_MarksADeletedTeam()
    {
        var name = "gone-" + Guid.NewGuid().ToString("N")[..8];
        var team = (await server.CreateTeamAsync(new { name, quota = 100_000 })).GetProperty("id").GetInt64();
        await server.ChargeAsync(team, 10, "GPT-5-mini", DateTimeOffset.UtcNow.AddMinutes(-5));
        using var client = server.BearerClient();
        Assert.Equal(HttpStatusCode.NoContent, (await client.DeleteAsync($"/admin/api/teams/{team}")).StatusCode);

        var usage = await client.GetFromJsonAsync<JsonElement>("/admin/api/usage");

        var row = usage.GetProperty("by_team").EnumerateArray().Single(t => t.GetProperty("team_id").GetInt64() == team);
        Assert.Equal(name, row.GetProperty("team_name").GetString());
        Assert.True(row.GetProperty("team_deleted").GetBoolean());
        Assert.All(usage.GetProperty("by_team").EnumerateArray().Where(t => t.GetProperty("team_id").GetInt64() != team),
            t => Assert.False(t.GetProperty("team_deleted").GetBoolean()));
    }

    private static UsageRecord Refused(long team, string model, int status, string errorType, DateTimeOffset at) => new()
    {
        RequestId = Guid.NewGuid().ToString("N"),
        StartedAt = at,
        TeamId = team,
        Model = model,
        Endpoint = "/v1/chat/completions",
        Stream = false,
        Status = status,
        DurationMs = 1,
        ErrorType = errorType,
    };

    [Theory]
    [InlineData("?bucket=week", "bucket")]
    [InlineData("?team_id=x", "team_id")]
    [InlineData("?from=2026-01-01T00:00:00Z&to=2025-01-01T00:00:00Z", "from")]
    [InlineData("?bucket=hour&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z", "from")]
    [InlineData("?to=soon", "to")]
    [InlineData("?from=2020-01-01", "from")]
    [InlineData("?from=2026-10-01&bucket=hour", "from")]
    [InlineData("?to=9999-12-31T23:59:59Z", "to")]
    [InlineData("?to=2999-12-31T00:00:00Z&bucket=hour&from=2026-01-01", "from")]
    [InlineData("?from=0001-01-01T00:00:00Z&to=0001-01-02T00:00:00Z", "from")]
    [InlineData("?from=2999-01-01T00:00:00Z", "from")]
    [InlineData("?team_id=99999999999999999999", "team_id")]
    [InlineData("?team_id=-1", "team_id")]
    public async Task Usage_InvalidQuery_Returns400NamingTheParameter(string query, string param)
    {
        using var client = server.BearerClient();

        var response = await client.GetAsync("/admin/api/usage" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(param, JsonDocument.Parse(await response.Content.ReadAsStringAsync())
            .RootElement.GetProperty("error").GetProperty("param").GetString());
    }

    [Fact]
    public async Task Usage_TooManyBuckets_NamesTheLimit()
    {
        using var client = server.BearerClient();

        var response = await client.GetAsync("/admin/api/usage?from=2026-10-01&bucket=hour");

        var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains("more than 1000 hours", error.GetProperty("message").GetString());
    }

    [Theory]
    [InlineData("?to=2999-12-31T00:00:00Z")]
    [InlineData("?to=1970-01-02T00:00:00Z&bucket=hour")]
    [InlineData("?from=2026-01-01T00:00:00Z&to=2026-12-31T00:00:00Z")]
    public async Task Usage_FarButBoundedRange_Returns200(string query)
    {
        using var client = server.BearerClient();

        var response = await client.GetAsync("/admin/api/usage" + query);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Settings_ShowsConfigurationButNeverSecrets()
    {
        using var client = server.BearerClient();

        var text = await client.GetStringAsync("/admin/api/settings");
        var settings = JsonDocument.Parse(text).RootElement;

        Assert.Equal("https://api.openai.com/v1/", settings.GetProperty("provider_base_url").GetString());
        Assert.Equal(AdminServer.Models, settings.GetProperty("allowed_models").EnumerateArray().Select(m => m.GetString()));
        Assert.Equal(Path.GetFullPath(server.Settings.DatabasePath), settings.GetProperty("database_path").GetString());
        Assert.True(settings.GetProperty("database_size_bytes").GetInt64() > 0);
        Assert.False(string.IsNullOrEmpty(settings.GetProperty("version").GetString()));
        Assert.True(settings.GetProperty("uptime_seconds").GetInt64() >= 0);
        Assert.False(settings.GetProperty("default_password").GetBoolean());
        Assert.DoesNotContain(server.Settings.ProviderApiKey, text);
        Assert.DoesNotContain(AdminServer.Password, text);
    }
}
