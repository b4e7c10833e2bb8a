namespace TokenRouter.Config;

/// <summary>
/// A URL as it may be shown: in a message, a log line or an admin page. Credentials ride in
/// URLs (http://user:pass@host, ?api-key=...), so the user-info and the query never are.
/// </summary>
internal static class UrlRedaction
{
    private const string Hidden = "***";

    /// <summary>The URL with its user-info and its query (and fragment) replaced by ***.</summary>
    /// <remarks>Works on text, so a URL rejected for being malformed is redacted as well.</remarks>
    public static string Redact(string url)
    {
        var shown = url;
        var query = shown.IndexOfAny(['?', '#']);
        if (query >= 0)
        {
            shown = $"{shown[..query]}{shown[query]}{Hidden}";
        }

        var scheme = shown.IndexOf("://", StringComparison.Ordinal);
        var authority = scheme < 0 ? 0 : scheme + 3;
        var slash = shown.IndexOf('/', authority);
        var end = slash < 0 ? shown.Length : slash;
        var at = shown.AsSpan(authority, end - authority).LastIndexOf('@');
        return at < 0 ? shown : $"{shown[..authority]}{Hidden}{shown[(authority + at)..]}";
    }

    public static string Redact(Uri url) => Redact(url.OriginalString);
}
