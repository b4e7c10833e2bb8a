using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using TokenRouter.Tests.Config;

namespace TokenRouter.Tests.Cli;

public sealed class TeamCommandTests : IAsyncLifetime
{
    private readonly TempFolder _folder = new();
    private FakeAdminApi _api = null!;

    public async Task InitializeAsync() => _api = await FakeAdminApi.StartAsync();

    public async Task DisposeAsync()
    {
        await _api.DisposeAsync();
        _folder.Dispose();
    }

    /// <summary>Runs "tokenrouter team ..." against the fake with the right password in the env file.</summary>
    private Task<CliResult> Team(params string[] args)
    {
        var envFile = _folder.Write(".env", $"ADMIN_PASSWORD={FakeAdminApi.Password}\n");
        return CliRun.RunAsync(["team", .. args, "--url", _api.Url.ToString(), "--env-file", envFile]);
    }

    [Fact]
    public async Task Create_Table_ShowsTeamAndTokenOnceWithNote()
    {
        var result = await Team("create", "alpha", "--quota", "1,000,000");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error);
        Assert.Equal(["POST /admin/api/teams"], _api.Requests);
        Assert.Equal($"Bearer {FakeAdminApi.Password}", _api.Authorizations.Single());
        Assert.Equal("""{"name":"alpha","quota":1000000}""", _api.Bodies.Single());
        var prefix = _api.LastToken![..10];
        Assert.Equal(
            $"""
            ID  NAME       QUOTA  USED  REMAINING  TOKEN       PERIOD  NEXT RESET  MODELS  RPM  TPM  EXPIRES  ENABLED  LAST REQUEST
             1  alpha  1,000,000     0  1,000,000  {prefix}  none    -           all       -    -  -        yes      -

            Token for team 'alpha' (shown once: it is stored only as a hash, so copy it now):
            {_api.LastToken}

            """.ReplaceLineEndings("\n"),
            result.Out.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task Create_Json_PrintsTheApiObjectWithItsToken()
    {
        var result = await Team("create", "alpha", "--quota", "500", "--json");

        Assert.Equal(0, result.ExitCode);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal(_api.LastToken, json.RootElement.GetProperty("token").GetString());
        Assert.Equal("alpha", json.RootElement.GetProperty("name").GetString());
        Assert.Equal(500, json.RootElement.GetProperty("quota").GetInt64());
    }

    [Fact]
    public async Task List_Table_AlignsColumnsAndRightAlignsNumbers()
    {
        var a = _api.Seed("alpha", quota: 1_000_000, used: 250_000, period: "monthly");
        var b = _api.Seed("a-much-longer-name", quota: 50, used: 60);

        var result = await Team("list");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            $"""
            ID  NAME                    QUOTA     USED  REMAINING  TOKEN       PERIOD   NEXT RESET  MODELS  RPM  TPM  EXPIRES  ENABLED  LAST REQUEST
             1  alpha               1,000,000  250,000    750,000  {a["token_prefix"]}  monthly  -           all       -    -  -        yes      -
             2  a-much-longer-name         50       60          0  {b["token_prefix"]}  none     -           all       -    -  -        yes      -

            """.ReplaceLineEndings("\n"),
            result.Out.ReplaceLineEndings("\n"));
    }

    [Fact]
    public async Task List_Json_PrintsTheApiJsonUnchanged()
    {
        _api.Seed("alpha", 10, 0);

        var result = await Team("list", "--json");

        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal(JsonValueKind.Array, json.RootElement.ValueKind);
        Assert.Equal("alpha", json.RootElement[0].GetProperty("name").GetString());
        Assert.Equal("sk-tr-", json.RootElement[0].GetProperty("token_prefix").GetString()![..6]);
    }

    [Fact]
    public async Task List_NoTeams_SaysHowToCreateOne()
    {
        var result = await Team("list");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("No teams yet. Create one with: tokenrouter team create NAME --quota TOKENS", result.Out);
    }

    [Fact]
    public async Task List_ApiAnswersListObject_IsReadToo()
    {
        await using var api = await FakeAdminApi.StartAsync(listAsObject: true);
        api.Seed("beta", 10, 3);
        var envFile = _folder.Write(".env", $"ADMIN_PASSWORD={FakeAdminApi.Password}\n");

        var result = await CliRun.RunAsync(["team", "list", "--url", api.Url.ToString(), "--env-file", envFile]);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(" beta ", result.Out);
    }

    [Fact]
    public async Task Show_ResolvesNameAndPrintsEveryField()
    {
        _api.Seed("alpha", 10, 0);
        _api.Seed("beta", 2_000, 1_500);

        var result = await Team("show", "beta");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["GET /admin/api/teams", "GET /admin/api/teams/2"], _api.Requests);
        var lines = result.Out.ReplaceLineEndings("\n").Split('\n');
        Assert.Equal("FIELD                VALUE", lines[0]);
        Assert.Contains("name                 beta", lines);
        Assert.Contains("quota                2,000", lines);
        Assert.Contains("remaining            500", lines);
        Assert.Contains("models               all allowed", lines);
        Assert.Contains("created at           2025-01-02 03:04:05Z", lines);
    }

    [Fact]
    public async Task SetQuota_PatchesTheResolvedTeam()
    {
        _api.Seed("alpha", 10, 0);
        _api.Seed("beta", 10, 4);

        var result = await Team("set-quota", "beta", "5_000");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["GET /admin/api/teams", "PATCH /admin/api/teams/2"], _api.Requests);
        Assert.Equal("""{"quota":5000}""", _api.Bodies.Single());
        Assert.Contains(" 2  beta  5,000     4      4,996", result.Out);
    }

    [Fact]
    public async Task Reset_PostsResetAndShowsZeroUsed()
    {
        _api.Seed("alpha", 100, 100);

        var result = await Team("reset", "alpha", "--json");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("POST /admin/api/teams/1/reset", _api.Requests[^1]);
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal(0, json.RootElement.GetProperty("used").GetInt64());
    }

    [Fact]
    public async Task Rotate_PrintsTheNewTokenOnce()
    {
        _api.Seed("alpha", 100, 0);

        var result = await Team("rotate", "alpha");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("POST /admin/api/teams/1/rotate", _api.Requests[^1]);
        Assert.Contains("shown once", result.Out);
        Assert.Single(result.Out.Split(_api.LastToken!)[1..]);
    }

    [Fact]
    public async Task Delete_NoContent_ConfirmsInTextAndJson()
    {
        _api.Seed("alpha", 100, 0);
        _api.Seed("beta", 100, 0);

        var text = await Team("delete", "alpha");
        var json = await Team("delete", "beta", "--json");

        Assert.Equal(0, text.ExitCode);
        Assert.Equal("Deleted team 'alpha' (id 1); its request log rows are kept.\n", text.Out.ReplaceLineEndings("\n"));
        Assert.Equal(0, json.ExitCode);
        Assert.Equal("""{"id":2,"name":"beta","deleted":true}""", json.Out.Trim());
        Assert.Contains("DELETE /admin/api/teams/1", _api.Requests);
        Assert.Contains("DELETE /admin/api/teams/2", _api.Requests);
    }

    [Fact]
    public async Task Show_UnknownName_FailsWithOneLine()
    {
        _api.Seed("alpha", 10, 0);

        var result = await Team("show", "nope");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal($"error: no team named 'nope' on {_api.Url}; 'tokenrouter team list' shows the teams.", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task Create_DuplicateName_ShowsTheApiMessage()
    {
        _api.Seed("alpha", 10, 0);

        var result = await Team("create", "alpha", "--quota", "5");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal("error: A team named 'alpha' already exists. (409 Conflict)", Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task List_WrongPassword_SaysWhichPasswordWasUsed()
    {
        var envFile = _folder.Write(".env", "ADMIN_PASSWORD=wrong\n");

        var result = await CliRun.RunAsync(["team", "list", "--url", _api.Url.ToString(), "--env-file", envFile]);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            $"error: TokenRouter at {_api.Url} refused the admin password (401 Unauthorized); it must match the server's " +
            $"ADMIN_PASSWORD (this command used ADMIN_PASSWORD in {envFile}).",
            Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task List_NoUrl_UsesLoopbackAndPortFromSettings()
    {
        _api.Seed("alpha", 10, 0);
        var envFile = _folder.Write(".env", $"HOST=0.0.0.0\nPORT=1\nADMIN_PASSWORD={FakeAdminApi.Password}\n");
        var environment = new Dictionary<string, string> { ["PORT"] = _api.Port.ToString() };

        var result = await CliRun.RunAsync(["team", "list", "--env-file", envFile], environment);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(" alpha ", result.Out);
    }

    [Fact]
    public async Task List_ServerNotRunning_OneLineNamingTheUrl()
    {
        var port = FreePort();
        var envFile = _folder.Write(".env", $"PORT={port}\n");

        var result = await CliRun.RunAsync(["team", "list", "--env-file", envFile]);

        Assert.Equal(1, result.ExitCode);
        var line = Assert.Single(result.ErrorLines);
        Assert.StartsWith($"error: cannot reach TokenRouter at http://127.0.0.1:{port}/ (", line);
        Assert.EndsWith("is the server running? Start it with 'tokenrouter serve', or point --url at it.", line);
    }

    [Theory]
    [InlineData(new[] { "create", "x", "--quota", "lots" }, "error: --quota must be a whole number of tokens, 0 or more; got 'lots'.")]
    [InlineData(new[] { "create", "x", "--quota", "-5" }, "error: --quota must be a whole number of tokens, 0 or more; got '-5'.")]
    [InlineData(new[] { "create", "x" }, "error: Option '--quota' is required.")]
    [InlineData(new[] { "set-quota", "x", "1.5" }, "error: TOKENS must be a whole number of tokens, 0 or more; got '1.5'.")]
    [InlineData(new[] { "show" }, "error: Required argument missing for command: 'show'.")]
    [InlineData(new[] { "create", "x", "--quota", "1", "--period", "hourly" },
        "error: --period must be one of: none, daily, weekly, monthly; got 'hourly'.")]
    [InlineData(new[] { "set", "x", "--rpm", "0" },
        "error: --rpm must be a whole number of requests per minute from 1 to 2,000,000,000, or none; got '0'.")]
    [InlineData(new[] { "set", "x", "--tpm", "lots" },
        "error: --tpm must be a whole number of tokens per minute from 1 to 2,000,000,000, or none; got 'lots'.")]
    [InlineData(new[] { "set", "x", "--tpm", "2_000_000_001" },
        "error: --tpm must be a whole number of tokens per minute from 1 to 2,000,000,000, or none; got '2_000_000_001'.")]
    [InlineData(new[] { "create", "x", "--quota", "1,00,0" }, "error: --quota must be a whole number of tokens, 0 or more; got '1,00,0'.")]
    [InlineData(new[] { "create", "x", "--quota", "1,000_000" },
        "error: --quota must be a whole number of tokens, 0 or more; got '1,000_000'.")]
    [InlineData(new[] { "set", "x", "--expires-at", "tomorrow" },
        "error: --expires-at must be an ISO 8601 date and time such as 2030-01-31T00:00:00Z, or none; got 'tomorrow'.")]
    [InlineData(new[] { "create", "x", "--quota", "1", "--enable", "--disable" }, "error: --enable and --disable cannot be used together.")]
    [InlineData(new[] { "set", "x", "--name", " " }, "error: --name must not be empty.")]
    [InlineData(new[] { "create", "--quota", "1" }, "error: A team needs a name: give NAME or --name.")]
    [InlineData(new[] { "create", "x", "--name", "y", "--quota", "1" }, "error: Give the team's name once: as NAME or as --name, not both.")]
    [InlineData(new[] { "set", "x" },
        "error: Nothing to change: give --name, --quota, --period, --models, --rpm, --tpm, --expires-at, --enable or --disable.")]
    public async Task BadArguments_ExitTwoWithoutContactingTheServer(string[] args, string expected)
    {
        var result = await Team(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(expected, result.ErrorLines[0]);
        Assert.Empty(_api.Requests);
    }

    [Fact]
    public async Task Create_EveryPolicyFlag_IsSentInTheApiFieldNames()
    {
        var result = await Team("create", "alpha", "--quota", "1000", "--period", "Weekly", "--models", "gpt-4o-mini, GPT-5-nano",
            "--rpm", "60", "--tpm", "10,000", "--expires-at", "2030-01-31T01:00:00+01:00", "--disable");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(
            """{"name":"alpha","quota":1000,"period":"weekly","models":["gpt-4o-mini","GPT-5-nano"],"rpm":60,"tpm":10000,""" +
            "\"expires_at\":\"2030-01-31T00:00:00Z\",\"enabled\":false}",
            _api.Bodies.Single());
    }

    [Fact]
    public async Task Create_NameAsOption_IsTheSameAsTheArgument()
    {
        var result = await Team("create", "--name", "alpha", "--quota", "10");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("""{"name":"alpha","quota":10}""", _api.Bodies.Single());
    }

    [Fact]
    public async Task Set_NoneAndEmptyValues_ClearLimitsExpiryAndModels_AndSendNothingElse()
    {
        _api.Seed("alpha", 10, 0);

        var result = await Team("update", "alpha", "--rpm", "none", "--tpm", "NONE", "--expires-at", "none", "--models", "", "--enable");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(["GET /admin/api/teams", "PATCH /admin/api/teams/1"], _api.Requests);
        Assert.Equal("""{"models":[],"rpm":null,"tpm":null,"expires_at":null,"enabled":true}""", _api.Bodies.Single());
    }

    [Fact]
    public async Task Set_NameAndQuota_RenameAndChangeTheQuotaOnly()
    {
        _api.Seed("alpha", 10, 0);

        var result = await Team("set", "alpha", "--name", "beta", "--quota", "2_000");

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("""{"name":"beta","quota":2000}""", _api.Bodies.Single());
        Assert.Contains(" beta ", result.Out);
    }

    [Fact]
    public async Task BadUrl_ExitsTwo()
    {
        var result = await CliRun.RunAsync(["team", "list", "--url", "localhost:8000", "--env-file", _folder.File("none.env")]);

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            "error: --url must be an absolute http or https URL such as http://127.0.0.1:8000; got 'localhost:8000'.",
            Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task List_HostileTeamName_PrintsNoControlCharacters()
    {
        _api.Seed("\u001b]0;pwned\u0007evil", 10, 0);

        var result = await Team("list");

        Assert.Equal(0, result.ExitCode);
        Assert.DoesNotContain('\u001b', result.Out);
        Assert.DoesNotContain('\u0007', result.Out);
        Assert.Contains("?]0;pwned?evil", result.Out);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
