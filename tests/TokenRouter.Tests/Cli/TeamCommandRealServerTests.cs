using System.Text.Json;
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
}
