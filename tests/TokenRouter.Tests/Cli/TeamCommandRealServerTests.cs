using System.Text.Json;
using TokenRouter.Cli;
using TokenRouter.Storage;
using TokenRouter.Tests.Config;
using TokenRouter.Tests.Infrastructure;

namespace TokenRouter.Tests.Cli;

/// <summary>The team commands against the real admin API of a running TokenRouter.</summary>
public sealed class TeamCommandRealServerTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private RouterServer _server = null!;

    public async Task InitializeAsync() =>
        _server = await RouterServer.StartAsync(new Uri("http://127.0.0.1:9/v1/"));

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        _folder.Dispose();
    }

    private Task<CliResult> Team(params string[] args)
    {
        var envFile = _folder.Write(".env", $"ADMIN_PASSWORD={RouterServer.AdminPassword}\n");
        return CliRun.RunAsync(["team", .. args, "--url", _server.BaseUrl, "--env-file", envFile]);
    }

    [Fact]
    public async Task TeamCommands_RealAdminApi_CreateListChangeRotateResetDelete()
    {
        var created = await Team("create", "alpha", "--quota", "1000", "--json");
        Assert.Equal(0, created.ExitCode);
        using var createdJson = JsonDocument.Parse(created.Out);
        var token = createdJson.RootElement.GetProperty("token").GetString()!;
        Assert.StartsWith("sk-tr-", token);

        var list = await Team("list");
        Assert.Equal(0, list.ExitCode);
        var rows = list.Out.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("ID  NAME   QUOTA  USED  REMAINING  TOKEN", rows[0]);
        Assert.StartsWith(" 1  alpha  1,000     0      1,000  " + token[..10], rows[1]);
        Assert.DoesNotContain(token, list.Out);

        var changed = await Team("set-quota", "alpha", "5000", "--json");
        Assert.Equal(0, changed.ExitCode);
        using (var changedJson = JsonDocument.Parse(changed.Out))
        {
            Assert.Equal(5000, changedJson.RootElement.GetProperty("quota").GetInt64());
        }

        var rotated = await Team("rotate", "alpha");
        Assert.Equal(0, rotated.ExitCode);
        var newToken = rotated.Out.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.StartsWith("sk-tr-", newToken);
        Assert.NotEqual(token, newToken);

        var show = await Team("show", "alpha");
        Assert.Equal(0, show.ExitCode);
        Assert.Contains("quota                5,000", show.Out);
        Assert.Contains("token prefix         " + newToken[..10], show.Out);

        var reset = await Team("reset", "alpha");
        Assert.Equal(0, reset.ExitCode);
        var recorded = Assert.Single(await _server.Books.ListResetsAsync(1, 10, CancellationToken.None));
        Assert.Equal("manual", recorded.Kind);
        Assert.Matches("^api .+ via tokenrouter CLI$", recorded.By);

        var deleted = await Team("delete", "alpha");
        Assert.Equal(0, deleted.ExitCode);
        Assert.StartsWith("Deleted team 'alpha' (id 1)", deleted.Out);
        Assert.StartsWith("No teams yet.", (await Team("list")).Out);
    }

    [Fact]
    public async Task TeamCommands_RealAdminApiErrors_AreOneLine()
    {
        await Team("create", "alpha", "--quota", "10");

        var duplicate = await Team("create", "alpha", "--quota", "10");
        var envFile = _folder.Write("wrong.env", "ADMIN_PASSWORD=wrong-password\n");
        var refused = await CliRun.RunAsync(["team", "list", "--url", _server.BaseUrl, "--env-file", envFile]);

        Assert.Equal(1, duplicate.ExitCode);
        Assert.Matches("^error: .*alpha.* \\(409 Conflict\\)$", Assert.Single(duplicate.ErrorLines));
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("refused the admin password (401 Unauthorized)", Assert.Single(refused.ErrorLines));
    }

    [Fact]
    public async Task Create_WithEveryPolicyFlag_IsStoredAndShownWithItsNextReset()
    {
        var created = await Team("create", "alpha", "--quota", "1000", "--period", "daily", "--models", "gpt-4o-mini",
            "--rpm", "60", "--tpm", "5000", "--expires-at", "2030-01-31T00:00:00Z", "--disable", "--json");

        Assert.Equal(0, created.ExitCode);
        using var json = JsonDocument.Parse(created.Out);
        var stored = (await _server.GetStoredTeamAsync(json.RootElement.GetProperty("id").GetInt64()))!;
        Assert.Equal(QuotaPeriod.Daily, stored.Period);
        Assert.Equal(["gpt-4o-mini"], stored.Models);
        Assert.Equal((60, 5000L), (stored.RequestsPerMinute, stored.TokensPerMinute));
        Assert.Equal(new DateTimeOffset(2030, 1, 31, 0, 0, 0, TimeSpan.Zero), stored.ExpiresAt);
        Assert.False(stored.Enabled);
        var nextReset = Display.Time(json.RootElement.GetProperty("next_reset_at").GetDateTimeOffset());

        var show = await Team("show", "alpha");
        var list = await Team("list");

        Assert.Equal(0, show.ExitCode);
        Assert.Contains("period               daily", show.Out);
        Assert.Contains("models               gpt-4o-mini", show.Out);
        Assert.Contains("requests per minute  60", show.Out);
        Assert.Contains("tokens per minute    5,000", show.Out);
        Assert.Contains("expires at           2030-01-31 00:00:00Z", show.Out);
        Assert.Contains("enabled              no", show.Out);
        Assert.Contains($"next reset at        {nextReset}", show.Out);
        var row = list.Out.ReplaceLineEndings("\n").Split('\n')[1];
        var cells = System.Text.RegularExpressions.Regex.Split(row.Trim(), " {2,}");
        Assert.Equal(["daily", nextReset, "gpt-4o-mini", "60", "5,000", "2030-01-31 00:00:00Z", "no"], cells[6..13]);
    }

    [Fact]
    public async Task Set_ChangesAndClearsThePolicy_AndTheTokenFollowsIt()
    {
        var created = await Team("create", "alpha", "--quota", "1000", "--rpm", "5", "--tpm", "900",
            "--expires-at", "2030-01-31T00:00:00Z", "--models", "gpt-4o-mini", "--json");
        using var json = JsonDocument.Parse(created.Out);
        var id = json.RootElement.GetProperty("id").GetInt64();
        using var client = _server.CreateClient(json.RootElement.GetProperty("token").GetString());

        var disabled = await Team("set", "alpha", "--disable", "--name", "beta", "--period", "monthly");
        using var refused = await client.GetAsync("v1/models");
        var cleared = await Team("update", "beta", "--enable", "--rpm", "none", "--tpm", "none", "--expires-at", "none", "--models", "");
        using var allowed = await client.GetAsync("v1/models");

        Assert.Equal((0, 0), (disabled.ExitCode, cleared.ExitCode));
        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("is disabled", await refused.Content.ReadAsStringAsync());
        Assert.Equal(System.Net.HttpStatusCode.OK, allowed.StatusCode);
        var stored = (await _server.GetStoredTeamAsync(id))!;
        Assert.Equal(("beta", QuotaPeriod.Monthly, true), (stored.Name, stored.Period, stored.Enabled));
        Assert.Equal((null, null, null), (stored.RequestsPerMinute, stored.TokensPerMinute, stored.ExpiresAt));
        Assert.Empty(stored.Models);
        Assert.Equal(1000, stored.Quota);
    }

    [Fact]
    public async Task Policy_BadValues_TheCliRefusesAtOnce_TheServerRefusesWhatOnlyItKnows()
    {
        await Team("create", "alpha", "--quota", "10");

        var badPeriod = await Team("set", "alpha", "--period", "yearly");
        var unknownModel = await Team("set", "alpha", "--models", "gpt-4o-mini,no-such-model");

        Assert.Equal(2, badPeriod.ExitCode);
        Assert.Equal("error: --period must be one of: none, daily, weekly, monthly; got 'yearly'.", badPeriod.ErrorLines[0]);
        Assert.Equal(1, unknownModel.ExitCode);
        Assert.Matches("^error: 'no-such-model' is not in ALLOWED_MODELS \\(.*\\)\\. \\(400 Bad Request\\)$",
            Assert.Single(unknownModel.ErrorLines));
        Assert.Empty((await _server.GetStoredTeamAsync(1))!.Models);
    }
}
