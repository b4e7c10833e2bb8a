using System.Security.Cryptography;
using System.Text;

namespace TokenRouter.Proxy;

/// <summary>Team API tokens: how they are made, hashed for storage and shown in lists.</summary>
internal static class TeamTokens
{
    public const string Prefix = "sk-tr-";
    private const int RandomLength = 40;
    private const int DisplayPrefixLength = 10;
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>A new token: the prefix and 40 characters from a cryptographic generator (~238 bits).</summary>
    public static string Generate() => Prefix + RandomNumberGenerator.GetString(Alphabet, RandomLength);

    /// <summary>Lower-case hex SHA-256: tokens have full entropy, so a plain hash suffices.</summary>
    public static string Hash(string token)
    {
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(Encoding.UTF8.GetBytes(token), digest);
        return Convert.ToHexStringLower(digest);
    }

    /// <summary>The part of a token that may be shown again: "sk-tr-abcd".</summary>
    public static string DisplayPrefix(string token) => token[..Math.Min(DisplayPrefixLength, token.Length)];
}
