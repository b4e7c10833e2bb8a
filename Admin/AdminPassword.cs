using System.Security.Cryptography;
using System.Text;
using TokenRouter.Config;

namespace TokenRouter.Admin;

/// <summary>The configured admin password, kept only as a digest and compared in constant time.</summary>
internal sealed class AdminPassword(RouterSettings settings)
{
    // Both sides are hashed first so that the comparison takes the same time whatever the
    // candidate's length; FixedTimeEquals then has no early exit on the first differing byte.
    private readonly byte[] _digest = SHA256.HashData(Encoding.UTF8.GetBytes(settings.AdminPassword));

    public bool IsDefault { get; } = settings.AdminPasswordIsDefault;

    /// <summary>
    /// Sealed into each session cookie and checked on every request: sessions outlive a restart,
    /// but a new ADMIN_PASSWORD signs out everyone who signed in with the old one. Derived
    /// from the digest by a second hash, so even an opened cookie would not yield the digest.
    /// </summary>
    public string SessionStamp => Convert.ToHexString(SHA256.HashData([.. "session:"u8, .. _digest]));

    public bool Matches(string? candidate) =>
        candidate is not null
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(candidate)), _digest);
}
