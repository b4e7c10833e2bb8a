using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using TokenRouter.Storage;

namespace TokenRouter.Admin;

/// <summary>
/// Keeps the panel's sessions on the server, in the books, so that the cookie holds only a random
/// key: signing out deletes the session, and a copy of the cookie taken before stops working at once.
/// </summary>
/// <remarks>
/// The row is keyed by the SHA-256 of the cookie's key, and the ticket in it is serialized with
/// <see cref="TicketSerializer"/> and sealed with the app's data protection, so the database
/// alone neither names a live cookie nor holds a usable ticket. Rows past their expiry are
/// never read, and each sign-in deletes them.
/// </remarks>
internal sealed class AdminSessionStore(IBooks books, IDataProtectionProvider protection) : ITicketStore
{
    private readonly IDataProtector _protector = protection.CreateProtector("TokenRouter.Admin.Sessions");

    public Task<string> StoreAsync(AuthenticationTicket ticket) => StoreAsync(ticket, CancellationToken.None);

    public async Task<string> StoreAsync(AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await RenewAsync(key, ticket, cancellationToken);
        return key;
    }

    public Task RenewAsync(string key, AuthenticationTicket ticket) => RenewAsync(key, ticket, CancellationToken.None);

    public Task RenewAsync(string key, AuthenticationTicket ticket, CancellationToken cancellationToken)
    {
        var sealedTicket = _protector.Protect(TicketSerializer.Default.Serialize(ticket));
        var expiresAt = ticket.Properties.ExpiresUtc ?? DateTimeOffset.UtcNow + AdminAuthentication.SessionLifetime;
        return books.StoreSessionAsync(Id(key), sealedTicket, expiresAt, cancellationToken);
    }

    public Task<AuthenticationTicket?> RetrieveAsync(string key) => RetrieveAsync(key, CancellationToken.None);

    public async Task<AuthenticationTicket?> RetrieveAsync(string key, CancellationToken cancellationToken)
    {
        if (await books.FindSessionAsync(Id(key), cancellationToken) is not { } sealedTicket)
        {
            return null;
        }

        try
        {
            return TicketSerializer.Default.Deserialize(_protector.Unprotect(sealedTicket));
        }
        catch (CryptographicException)
        {
            // Sealed with keys this process does not have (they live in memory): not a session any more.
            return null;
        }
    }

    public Task RemoveAsync(string key) => RemoveAsync(key, CancellationToken.None);

    public Task RemoveAsync(string key, CancellationToken cancellationToken) =>
        books.RemoveSessionAsync(Id(key), cancellationToken);

    private static string Id(string key) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key)));
}
