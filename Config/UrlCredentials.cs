namespace TokenRouter.Config;

/// <summary>
/// Hides what a URL may carry as credentials, the user name and password
/// (<c>https://user:secret@host/v1</c>) and the query (<c>?api-key=...</c>), wherever a configured
/// URL is shown: the settings page, start-up messages and prompts. The URL in use keeps them.
/// </summary>
internal static class UrlCredentials
{
    public const string Mask = "***";

    public static Uri Hide(Uri url) =>
        url.IsAbsoluteUri && (url.UserInfo.Length > 0 || url.Query.Length > 0 || url.Fragment.Length > 0)
            ? new Uri(Hide(url.AbsoluteUri))
            : url;

    /// <summary>The same for text that may not even parse as a URL, such as a rejected setting.</summary>
    public static string Hide(string text)
    {
        var query = text.IndexOfAny(['?', '#']);
        if (query >= 0)
        {
            text = string.Concat(text.AsSpan(0, query + 1), Mask);
        }

        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme < 0)
        {
            return text;
        }

        var start = scheme + 3;
        var end = text.IndexOfAny(['/', '?', '#'], start);
        if (end < 0)
        {
            end = text.Length;
        }

        var at = text.LastIndexOf('@', end - 1, end - start);
        return at < 0 ? text : string.Concat(text.AsSpan(0, start), Mask, text.AsSpan(at));
    }
}
