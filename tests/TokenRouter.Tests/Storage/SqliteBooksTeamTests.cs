using Microsoft.Extensions.Time.Testing;
using TokenRouter.Storage;

namespace TokenRouter.Tests.Storage;

public sealed class SqliteBooksTeamTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _clock = new(BooksTestKit.Start);
    private SqliteBooks _books = null!;

    public async Task InitializeAsync() => _books = await BooksTestKit.OpenAsync(_dir.File("books.db"), _clock);

    public async Task DisposeAsync()
    {
        await _books.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task CreateTeam_AllFields_AreStoredAndReadBack()
    {
        var expires = BooksTestKit.Start.AddDays(30);
        var created = await _books.CreateTeamAsync(BooksTestKit.NewTeam("alpha", quota: 5000) with
        {
            Period = QuotaPeriod.Monthly,
            Models = ["GPT-5-mini", "GPT-5-nano"],
            RequestsPerMinute = 60,
            TokensPerMinute = 100_000,
            ExpiresAt = expires,
            Enabled = false,
        }, CancellationToken.None);

        var read = await _books.GetTeamAsync(created.Id, CancellationToken.None);

        Assert.NotNull(read);
        Assert.Equal("alpha", read.Name);
        Assert.Equal(5000, read.Quota);
        Assert.Equal(0, read.Used);
        Assert.Equal(QuotaPeriod.Monthly, read.Period);
        Assert.Equal(["GPT-5-mini", "GPT-5-nano"], read.Models);
        Assert.Equal(60, read.RequestsPerMinute);
        Assert.Equal(100_000, read.TokensPerMinute);
        Assert.Equal(expires, read.ExpiresAt);
        Assert.False(read.Enabled);
        Assert.Equal(BooksTestKit.Start, read.CreatedAt);
        Assert.Equal(BooksTestKit.Start, read.PeriodStartedAt);
        Assert.Equal(created.TokenHash, read.TokenHash);
        Assert.Equal(created.Models, read.Models);
    }

    [Fact]
    public async Task CreateTeam_NameTakenInAnyLetterCase_ThrowsDuplicateTeamName()
    {
        await _books.CreateTeamAsync(BooksTestKit.NewTeam("Alpha"), CancellationToken.None);

        var error = await Assert.ThrowsAsync<DuplicateTeamNameException>(
            () => _books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None));

        Assert.Equal("alpha", error.Name);
        Assert.Single(await _books.ListTeamsAsync(CancellationToken.None));
    }

    [Fact]
    public async Task CreateTeam_DuplicateInTheSameBatchAsCharges_FailsAloneAndTheChargesAreWritten()
    {
        var path = _dir.File("batch.db");
        await using var books = BooksTestKit.Create(path);

        // Queued before the writer starts, so all of it lands in one batch.
        var first = books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);
        var duplicate = books.CreateTeamAsync(BooksTestKit.NewTeam("ALPHA"), CancellationToken.None);
        var charge = books.ChargeAsync(BooksTestKit.Record(teamId: 1, totalTokens: 7));
        await books.MigrateAsync(CancellationToken.None);

        await first;
        await Assert.ThrowsAsync<DuplicateTeamNameException>(() => duplicate);
        await charge;
        Assert.Equal(7, (await books.GetTeamAsync(1, CancellationToken.None))!.Used);
    }

    [Fact]
    public async Task UpdateTeam_SomeFields_ChangesOnlyThoseAndStampsUpdatedAt()
    {
        var team = await _books.CreateTeamAsync(BooksTestKit.NewTeam("alpha", quota: 100) with
        {
            RequestsPerMinute = 10,
            ExpiresAt = BooksTestKit.Start.AddDays(1),
        }, CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(5));

        var updated = await _books.UpdateTeamAsync(team.Id, new TeamChanges
        {
            Quota = 200,
            ClearExpiresAt = true,
            Models = ["GPT-5-nano"],
        }, CancellationToken.None);

        Assert.NotNull(updated);
        Assert.Equal("alpha", updated.Name);
        Assert.Equal(200, updated.Quota);
        Assert.Equal(10, updated.RequestsPerMinute);
        Assert.Null(updated.ExpiresAt);
        Assert.Equal(["GPT-5-nano"], updated.Models);
        Assert.Equal(BooksTestKit.Start.AddMinutes(5), updated.UpdatedAt);
        Assert.Equal(BooksTestKit.Start, updated.CreatedAt);
        Assert.Equal(updated, (await _books.GetTeamAsync(team.Id, CancellationToken.None))! with { Models = updated.Models });
    }

    [Fact]
    public async Task UpdateTeam_RenameToAnotherTeamsName_ThrowsDuplicateTeamName()
    {
        await _books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);
        var beta = await _books.CreateTeamAsync(BooksTestKit.NewTeam("beta"), CancellationToken.None);

        await Assert.ThrowsAsync<DuplicateTeamNameException>(
            () => _books.UpdateTeamAsync(beta.Id, new TeamChanges { Name = "Alpha" }, CancellationToken.None));
        var renamed = await _books.UpdateTeamAsync(beta.Id, new TeamChanges { Name = "Beta" }, CancellationToken.None);

        Assert.Equal("Beta", renamed!.Name);
    }

    [Fact]
    public async Task UpdateTeam_UnknownId_ReturnsNull()
    {
        Assert.Null(await _books.UpdateTeamAsync(42, new TeamChanges { Quota = 1 }, CancellationToken.None));
    }

    [Fact]
    public async Task DeleteTeam_WithLogs_KeepsTheLogsAndFreesTheName()
    {
        var team = await _books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);
        await _books.ChargeAsync(BooksTestKit.Record(team.Id, 25));

        Assert.True(await _books.DeleteTeamAsync(team.Id, CancellationToken.None));
        Assert.False(await _books.DeleteTeamAsync(team.Id, CancellationToken.None));
        var again = await _books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);

        Assert.Null(await _books.GetTeamAsync(team.Id, CancellationToken.None));
        Assert.Equal(again.Id, (await _books.GetTeamByNameAsync("ALPHA", CancellationToken.None))!.Id);
        Assert.Equal([again.Id], (await _books.ListTeamsAsync(CancellationToken.None)).Select(t => t.Id));
        var logs = await _books.QueryLogsAsync(new LogQuery { TeamId = team.Id }, CancellationToken.None);
        var entry = Assert.Single(logs.Items);
        Assert.Equal("alpha", entry.TeamName);
        Assert.Equal(25, entry.Record.TotalTokens);
    }

    [Fact]
    public async Task ReplaceToken_LiveTeam_StoresTheNewHashAndPrefix()
    {
        var team = await _books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);

        var replaced = await _books.ReplaceTokenAsync(team.Id, "ab12", "sk-tr-new", CancellationToken.None);

        Assert.Equal("ab12", replaced!.TokenHash);
        Assert.Equal("sk-tr-new", (await _books.GetTeamAsync(team.Id, CancellationToken.None))!.TokenPrefix);
        Assert.Null(await _books.ReplaceTokenAsync(999, "cd34", "sk-tr-x", CancellationToken.None));
    }

    [Fact]
    public async Task ResetUsage_AfterCharges_StartsANewEpochAndRecordsTheReset()
    {
        var team = await _books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);
        await _books.ChargeAsync(BooksTestKit.Record(team.Id, 40));
        _clock.Advance(TimeSpan.FromHours(1));
        Team? seen = null;

        var reset = await _books.ResetUsageAsync(team.Id, ResetReason.Manual("admin"), t => seen = t);
        await _books.ChargeAsync(BooksTestKit.Record(team.Id, 5));

        Assert.NotNull(reset);
        Assert.Equal(0, reset.Used);
        Assert.Equal(1, reset.ResetEpoch);
        Assert.Equal(BooksTestKit.Start.AddHours(1), reset.PeriodStartedAt);
        Assert.Same(reset, seen);
        Assert.Equal(5, (await _books.GetTeamAsync(team.Id, CancellationToken.None))!.Used);
        var record = Assert.Single(await _books.ListResetsAsync(team.Id, 10, CancellationToken.None));
        Assert.Equal(new UsageReset(team.Id, BooksTestKit.Start.AddHours(1), "manual", "admin", 40), record);
        Assert.Null(await _books.ResetUsageAsync(12345, ResetReason.Manual("admin")));
    }

    [Fact]
    public async Task CreateTeam_InvalidInput_IsRefusedBeforeItIsQueued()
    {
        await Assert.ThrowsAsync<ArgumentException>(
            () => _books.CreateTeamAsync(BooksTestKit.NewTeam(" "), CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(
            () => _books.CreateTeamAsync(BooksTestKit.NewTeam("a", quota: -1), CancellationToken.None));
        await Assert.ThrowsAsync<ArgumentException>(
            () => _books.CreateTeamAsync(BooksTestKit.NewTeam("a") with { Models = ["a,b"] }, CancellationToken.None));
    }
}
