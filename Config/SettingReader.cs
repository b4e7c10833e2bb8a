using System.Globalization;
using System.Net;
using System.Text;

namespace TokenRouter.Config;

/// <summary>
/// Reads typed settings from a <see cref="SettingsSource"/> and collects every problem as one
/// line naming the setting, where it came from and what it expects, so that a bad
/// configuration is reported whole instead of one mistake per start.
/// </summary>
internal sealed class SettingReader(SettingsSource source)
{
    public const string BaseUrlExpectation = "an absolute http or https URL such as https://api.openai.com/v1";

    private readonly List<string> _problems = [];

    public IReadOnlyList<string> Problems => _problems;

    /// <summary>A secret such as a key or password: never echoed back in a problem.</summary>
    public string? Secret(string key, string? fallback)
    {
        if (source.Get(key) is not { } value)
        {
            return fallback;
        }

        if (SecretProblem(value.Text) is { } problem)
        {
            _problems.Add($"{value.Origin} {problem}.");
            return fallback;
        }

        return value.Text;
    }

    public int Integer(string key, int fallback, int min, int max)
    {
        if (source.Get(key) is not { } value)
        {
            return fallback;
        }

        if (int.TryParse(value.Text, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            && number >= min && number <= max)
        {
            return number;
        }

        Fail(value, $"a whole number from {min} to {max}");
        return fallback;
    }

    public bool Boolean(string key, bool fallback)
    {
        if (source.Get(key) is not { } value)
        {
            return fallback;
        }

        switch (value.Text.ToLowerInvariant())
        {
            case "true" or "yes" or "on" or "1":
                return true;
            case "false" or "no" or "off" or "0":
                return false;
            default:
                Fail(value, "true or false");
                return fallback;
        }
    }

    /// <summary>An http(s) URL; a base URL's path is made to end in '/', so relative paths append to it.</summary>
    public Uri? HttpUrl(string key, Uri? fallback, bool asBase)
    {
        if (source.Get(key) is not { } value)
        {
            return fallback;
        }

        var url = ParseHttpUrl(value.Text, asBase);
        if (url is null)
        {
            Fail(value with { Text = UrlCredentials.Hide(value.Text) }, asBase ? BaseUrlExpectation : "an absolute http or https URL");
            return fallback;
        }

        return url;
    }

    /// <summary>Model names: trimmed, empty entries skipped, later duplicates (ignoring case) dropped.</summary>
    public IReadOnlyList<string> Names(string key)
    {
        if (source.Get(key) is not { } value)
        {
            return [];
        }

        var names = new List<string>();
        foreach (var entry in Entries(value.Text))
        {
            if (entry.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
            {
                _problems.Add($"{value.Origin} must be a comma-separated list of model names; " +
                    $"'{Printable(entry)}' contains a space or control character.");
                continue;
            }

            if (!names.Contains(entry, StringComparer.OrdinalIgnoreCase))
            {
                names.Add(entry);
            }
        }

        return names;
    }

    public IReadOnlyList<IPAddress> Addresses(string key)
    {
        if (source.Get(key) is not { } value)
        {
            return [];
        }

        var addresses = new List<IPAddress>();
        foreach (var entry in Entries(value.Text))
        {
            // IPAddress.TryParse also takes shorthand like "10" (0.0.0.10); only full forms are meant here.
            var fullForm = entry.Contains(':', StringComparison.Ordinal) || entry.Count(c => c == '.') == 3;
            if (fullForm && IPAddress.TryParse(entry, out var address))
            {
                addresses.Add(address);
                continue;
            }

            _problems.Add($"{value.Origin} must be a comma-separated list of IP addresses such as " +
                $"127.0.0.1,::1 (ranges are not supported); '{Printable(entry)}' is not one.");
        }

        return addresses;
    }

    /// <summary>An IANA zone id, read from the system's zone database (no ICU needed on Linux).</summary>
    public TimeZoneInfo TimeZone(string key)
    {
        if (source.Get(key) is not { } value)
        {
            return TimeZoneInfo.Utc;
        }

        if (value.Text.Equals("UTC", StringComparison.OrdinalIgnoreCase))
        {
            return TimeZoneInfo.Utc;
        }

        if (TimeZoneInfo.TryFindSystemTimeZoneById(value.Text, out var zone))
        {
            return zone;
        }

        Fail(value, "an IANA time zone id such as UTC, Europe/Berlin or America/New_York that this system knows " +
            "(Linux reads them from /usr/share/zoneinfo, the tzdata package)");
        return TimeZoneInfo.Utc;
    }

    public string Host(string key, string fallback)
    {
        if (source.Get(key) is not { } value)
        {
            return fallback;
        }

        var host = value.Text.Trim('[', ']');
        var valid = IPAddress.TryParse(host, out _)
            || host is "*" or "+"
            || Uri.CheckHostName(host) == UriHostNameType.Dns;
        if (!valid)
        {
            Fail(value,
                "an IP address or host name to listen on, such as 0.0.0.0 (every IPv4 address), :: or 127.0.0.1");
            return fallback;
        }

        return value.Text;
    }

    /// <summary>A file path whose folder exists; returned as a full path.</summary>
    public string FilePath(string key, string fallback)
    {
        var value = source.Get(key);
        var text = value?.Text ?? fallback;
        string fullPath;
        try
        {
            fullPath = Path.GetFullPath(text);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            Fail(value ?? new SettingValue(text, key), "a file path");
            return text;
        }

        if (Directory.Exists(fullPath))
        {
            _problems.Add($"{value?.Origin ?? key} must be the path of a file, but {fullPath} is a folder.");
        }
        else if (Path.GetDirectoryName(fullPath) is { } folder && !Directory.Exists(folder))
        {
            _problems.Add($"{value?.Origin ?? key} must be a file path in an existing folder, " +
                $"but the folder {folder} does not exist.");
        }

        return fullPath;
    }

    /// <summary>What is wrong with a secret's text, or null when it can be sent in an HTTP header.</summary>
    public static string? SecretProblem(string text) =>
        text.Length == 0 ? "must not be empty"
        : text.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)) ? "must not contain spaces or control characters"
        : null;

    /// <summary>An absolute http(s) URL, or null; a base URL takes no query or fragment.</summary>
    public static Uri? ParseHttpUrl(string text, bool asBase)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var url)
            || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(url.Host)
            || (asBase && (url.Query.Length > 0 || url.Fragment.Length > 0)))
        {
            return null;
        }

        return asBase ? new Uri(url.GetLeftPart(UriPartial.Path).TrimEnd('/') + "/") : url;
    }

    private static string[] Entries(string list) =>
        list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private void Fail(SettingValue value, string expectation) =>
        _problems.Add($"{value.Origin} must be {expectation}; got '{Printable(value.Text)}'.");

    /// <summary>Echoes a bad value safely: control characters escaped, long values cut.</summary>
    private static string Printable(string text)
    {
        var shown = new StringBuilder();
        foreach (var c in text.Length > 80 ? text[..80] : text)
        {
            shown.Append(char.IsControl(c) ? $"\\u{(int)c:x4}" : c);
        }

        return text.Length > 80 ? shown.Append("...").ToString() : shown.ToString();
    }
}
