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

    public bool Matches(string? candidate) =>
        candidate is not null
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(candidate)), _digest);
}
