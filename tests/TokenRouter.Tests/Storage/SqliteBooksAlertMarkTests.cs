using Microsoft.Extensions.Time.Testing;
using TokenRouter.Storage;

namespace TokenRouter.Tests.Storage;

public sealed class SqliteBooksAlertMarkTests : IAsyncLifetime
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

    private Task<IReadOnlyList<AlertMark>> MarksAsync() => _books.ListAlertMarksAsync(CancellationToken.None);

    [Fact]
    public async Task SaveAlertMark_IsReadBack_AndALaterMarkReplacesIt()
    {
        var team = await _books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);

        Assert.True(await _books.SaveAlertMarkAsync(new AlertMark(team.Id, 0, 80), CancellationToken.None));
        Assert.Equal([new AlertMark(team.Id, 0, 80)], await MarksAsync());
        Assert.True(await _books.SaveAlertMarkAsync(new AlertMark(team.Id, 0, 100), CancellationToken.None));
        Assert.Equal([new AlertMark(team.Id, 0, 100)], await MarksAsync());
    }

    [Fact]
    public async Task Reset_DeletesTheMark_AndAMarkOfTheEndedEpochIsNotStored()
    {
        var team = await _books.CreateTeamAsync(BooksTestKit.NewTeam("alpha"), CancellationToken.None);
        await _books.SaveAlertMarkAsync(new AlertMark(team.Id, 0, 100), CancellationToken.None);

        await _books.ResetUsageAsync(team.Id, ResetReason.Manual("test"));
        var late = await _books.SaveAlertMarkAsync(new AlertMark(team.Id, 0, 80), CancellationToken.None);

        Assert.False(late);
        Assert.Empty(await MarksAsync());
        Assert.Equal(0, BooksTestKit.Scalar(_dir.File("books.db"), "SELECT count(*) FROM quota_alerts"));
    }
}
