using System.Diagnostics.CodeAnalysis;

namespace TokenRouter.Storage;

/// <summary>
/// Text the request log keeps that others choose (the model and end user a client sends, the
/// id a provider returns) is cut to <see cref="MaxLength"/> characters: one request must not be
/// able to put megabytes into the database or the admin panel.
/// </summary>
internal static class LogText
{
    public const int MaxLength = 256;

    [return: NotNullIfNotNull(nameof(value))]
    public static string? Cap(string? value, int maxLength = MaxLength)
    {
        if (value is null || value.Length <= maxLength)
        {
            return value;
        }

        // Never end on the first half of a surrogate pair: that would store text that is not Unicode.
        var length = char.IsHighSurrogate(value[maxLength - 1]) ? maxLength - 1 : maxLength;
        return value[..length];
    }
}
