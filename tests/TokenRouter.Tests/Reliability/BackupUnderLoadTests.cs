using System.Runtime.Versioning;
using TokenRouter.Tests.Config;
using TokenRouter.Tests.Infrastructure;

namespace TokenRouter.Tests.Reliability;

/// <summary>
/// Issue 6: <c>tokenrouter backup FILE</c>, run as its own process while the server is busy
/// charging requests, writes a copy that is sound and whose books add up.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class BackupUnderLoadTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task BackupCommand_WhileRequestsAreCharged_WritesAConsistentCopy()
    {
        await using var env = await RouterFixture.StartAsync();
        var router = env.Router;
        var alpha = await router.CreateTeamDirectAsync("alpha", 1_000_000_000);
        var beta = await router.CreateTeamDirectAsync("beta", 1_000_000_000);
        await using var alphaLoad = ChatLoad.Start(new Uri(router.BaseUrl + "/"), alpha.Token, clients: 4);
        await using var betaLoad = ChatLoad.Start(new Uri(router.BaseUrl + "/"), beta.Token, clients: 4);
        await alphaLoad.WaitForReceivedAsync(50, RouterProcess.Patience);
        await betaLoad.WaitForReceivedAsync(50, RouterProcess.Patience);
        var receivedBefore = alphaLoad.Received.Concat(betaLoad.Received).ToList();

        var copy = _folder.File("backup.db");
        var (exitCode, stdout, stderr) = await RouterProcess.RunCommandAsync(
            _folder.Path, "backup", copy, "--db", router.DatabasePath, "--env-file", _folder.File(".env"));
        var receivedDuring = alphaLoad.ReceivedCount + betaLoad.ReceivedCount - receivedBefore.Count;
        await alphaLoad.StopAsync();
        await betaLoad.StopAsync();

        Assert.True(exitCode == 0, $"backup exited {exitCode}: {stderr}");
        Assert.StartsWith($"Backed up {router.DatabasePath} to {copy} (", stdout);
        Assert.Empty(alphaLoad.Failures.Concat(betaLoad.Failures));
        Assert.True(receivedDuring > 0, "The load stopped while the backup ran; the test proves nothing.");

        // The copy: sound, one self-contained file, every answer given before the backup in it,
        // and for each team used equals the usage logged.
        var backup = new BooksFile(copy);
        Assert.Equal("ok", backup.IntegrityCheck());
        Assert.False(File.Exists(copy + "-wal"));
        var rows = backup.Requests(alpha.Id).Keys.Concat(backup.Requests(beta.Id).Keys).ToHashSet();
        Assert.All(receivedBefore, id => Assert.Contains(id, rows));
        foreach (var team in new[] { alpha, beta })
        {
            var (used, logged) = backup.UsedAndLogged(team.Id);
            Assert.Equal(logged, used);
            Assert.True(used > 0);
        }

        // The live books went on after the copy was taken, and remain consistent too.
        var live = new BooksFile(router.DatabasePath);
        Assert.True(live.Requests(alpha.Id).Count + live.Requests(beta.Id).Count >= rows.Count);
        Assert.Equal(live.UsedAndLogged(alpha.Id).Logged, live.UsedAndLogged(alpha.Id).Used);
    }
}
