using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;
using TokenRouter.Storage;

namespace TokenRouter.Admin;

/// <summary>
/// Keeps the data-protection keys that seal the session and CSRF cookies in the database:
/// an admin stays signed in across a restart, instances on one database accept each other's
/// cookies, and no key file lands in the service user's home directory (~/.aspnet).
/// </summary>
/// <remarks>
/// The keys are stored unencrypted. The database is owner-only, as is the env file that holds
/// the admin password itself, and whoever can read one of them can normally read the other.
/// The framework calls this rarely (at start and when a key is due, every 90 days) and
/// synchronously; the books' reads are synchronous underneath, and a write waits for the writer.
/// </remarks>
internal sealed class BooksKeyRepository(IBooks books) : IXmlRepository
{
    public IReadOnlyCollection<XElement> GetAllElements() =>
        [.. books.ListProtectionKeysAsync(CancellationToken.None).GetAwaiter().GetResult().Select(XElement.Parse)];

    public void StoreElement(XElement element, string friendlyName) =>
        books.AddProtectionKeyAsync(friendlyName, element.ToString(SaveOptions.DisableFormatting), CancellationToken.None)
            .GetAwaiter().GetResult();
}
