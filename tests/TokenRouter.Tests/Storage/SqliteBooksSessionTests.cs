using Microsoft.Extensions.Time.Testing;

namespace TokenRouter.Tests.Storage;

public sealed class SqliteBooksSessionTests : IDisposable
{
    private static readonly byte[] Ticket = [1, 2, 3, 4];
    private readonly TempDirectory _dir = new();
    private readonly FakeTimeProvider _clock = new(BooksTestKit.Start);

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task StoredSession_IsFound_UntilRemoved()
    {
        await using var books = await BooksTestKit.OpenAsync(_dir.File("books.db"), _clock);

        await books.StoreSessionAsync("a", Ticket, BooksTestKit.Start.AddHours(8), CancellationToken.None);
        var found = await books.FindSessionAsync("a", CancellationToken.None);
        await books.RemoveSessionAsync("a", CancellationToken.None);

        Assert.Equal(Ticket, found);
        Assert.Null(await books.FindSessionAsync("a", CancellationToken.None));
    }

    [Fact]
    public async Task StoredAgain_ReplacesTheTicketAndExpiry()
    {
        await using var books = await BooksTestKit.OpenAsync(_dir.File("books.db"), _clock);
        await books.StoreSessionAsync("a", Ticket, BooksTestKit.Start.AddMinutes(1), CancellationToken.None);

        await books.StoreSessionAsync("a", [9], BooksTestKit.Start.AddHours(1), CancellationToken.None);
        _clock.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal([9], await books.FindSessionAsync("a", CancellationToken.None));
    }

    [Fact]
    public async Task ExpiredSession_IsNotFound_AndTheNextStoreDeletesIt()
    {
        var path = _dir.File("books.db");
        await using var books = await BooksTestKit.OpenAsync(path, _clock);
        await books.StoreSessionAsync("old", Ticket, BooksTestKit.Start.AddHours(1), CancellationToken.None);

        _clock.Advance(TimeSpan.FromHours(1));
        var found = await books.FindSessionAsync("old", CancellationToken.None);
        await books.StoreSessionAsync("new", Ticket, BooksTestKit.Start.AddHours(9), CancellationToken.None);

        Assert.Null(found);
        Assert.Equal(1, BooksTestKit.Scalar(path, "SELECT count(*) FROM admin_sessions"));
        Assert.Equal(1, BooksTestKit.Scalar(path, "SELECT count(*) FROM admin_sessions WHERE id = 'new'"));
    }
}
