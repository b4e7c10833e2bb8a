using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using TokenRouter.Admin;
using TokenRouter.Tests.Storage;

namespace TokenRouter.Tests.Admin;

public sealed class AdminSessionStoreTests : IAsyncLifetime
{
    private readonly TempDirectory _dir = new();
    private TokenRouter.Storage.SqliteBooks _books = null!;

    public async Task InitializeAsync() => _books = await BooksTestKit.OpenAsync(_dir.File("books.db"));

    public async Task DisposeAsync()
    {
        await _books.DisposeAsync();
        _dir.Dispose();
    }

    private static AuthenticationTicket Ticket() => new(
        AdminAuthentication.CreatePrincipal(AdminAuthentication.CookieScheme),
        new AuthenticationProperties { ExpiresUtc = BooksTestKit.Start.AddHours(8) },
        AdminAuthentication.CookieScheme);

    [Fact]
    public async Task StoredTicket_ComesBackWhole_AndIsSealedInTheDatabase()
    {
        var store = new AdminSessionStore(_books, new EphemeralDataProtectionProvider());

        var key = await store.StoreAsync(Ticket());
        var back = await store.RetrieveAsync(key);

        Assert.Equal("admin", back?.Principal.Identity?.Name);
        Assert.Equal(BooksTestKit.Start.AddHours(8), back?.Properties.ExpiresUtc);
        Assert.Equal(0, BooksTestKit.Scalar(_dir.File("books.db"), "SELECT count(*) FROM admin_sessions WHERE instr(ticket, 'admin') > 0"));
        Assert.Equal(0, BooksTestKit.Scalar(_dir.File("books.db"), $"SELECT count(*) FROM admin_sessions WHERE id = '{key}'"));
    }

    [Fact]
    public async Task RemovedTicket_IsGone()
    {
        var store = new AdminSessionStore(_books, new EphemeralDataProtectionProvider());
        var key = await store.StoreAsync(Ticket());

        await store.RemoveAsync(key);

        Assert.Null(await store.RetrieveAsync(key));
    }

    [Fact]
    public async Task TicketSealedWithOtherKeys_IsNoSession()
    {
        var key = await new AdminSessionStore(_books, new EphemeralDataProtectionProvider()).StoreAsync(Ticket());

        var afterRestart = new AdminSessionStore(_books, new EphemeralDataProtectionProvider());

        Assert.Null(await afterRestart.RetrieveAsync(key));
    }
}
