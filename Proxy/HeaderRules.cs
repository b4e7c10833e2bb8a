using System.Net.Http.Headers;
using Microsoft.Extensions.Primitives;

namespace TokenRouter.Proxy;

/// <summary>Which headers cross the proxy, in each direction, and which stop at it.</summary>
internal static class HeaderRules
{
    // Hop-by-hop headers (RFC 9110 7.6.1) and the ones the HTTP stack sets itself.
    private static readonly HashSet<string> HopByHop = new(StringComparer.OrdinalIgnoreCase)
    {
        "Connection", "Keep-Alive", "Proxy-Connection", "Proxy-Authenticate", "Proxy-Authorization", "TE",
        "Trailer", "Transfer-Encoding", "Upgrade", "Host", "Content-Length", "Expect",
    };

    // Credentials and identity: the team's token stays here, the provider gets our key, and
    // the provider's account details are not the teams' business.
    private static readonly HashSet<string> NotToProvider = new(StringComparer.OrdinalIgnoreCase)
    {
        "Authorization", "api-key", "x-api-key", "Cookie", "OpenAI-Organization", "OpenAI-Project",
        "Accept-Encoding", "Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Real-IP",
        "X-Original-For", "X-Original-Host", "X-Original-Proto", // what UseForwardedHeaders moved aside
    };

    private static readonly HashSet<string> NotToClient = new(StringComparer.OrdinalIgnoreCase)
    {
        "Set-Cookie", "openai-organization", "openai-project", "x-request-id", "Alt-Svc", "Server",
        "Strict-Transport-Security",
    };

    /// <remarks>
    /// Every end-to-end header the rules do not stop passes through unchanged. That includes
    /// W3C Trace Context (traceparent, tracestate): a team's trace goes on at the provider as the
    /// team's own, since the provider client adds no trace headers of its own (ProxyExtensions).
    /// </remarks>
    public static void CopyToProvider(HttpRequest from, HttpRequestMessage to, string providerKey)
    {
        var connectionOptions = ConnectionOptions(from.Headers.Connection);
        foreach (var (name, values) in from.Headers)
        {
            if (HopByHop.Contains(name) || NotToProvider.Contains(name) || connectionOptions?.Contains(name) == true
                || name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            to.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        }

        to.Headers.Authorization = new AuthenticationHeaderValue("Bearer", providerKey);
    }

    /// <summary>
    /// The header names a client lists in Connection: hop-by-hop for this connection alone
    /// (RFC 9110 7.6.1), so they stop here like the fixed list. Null when it lists none.
    /// </summary>
    private static HashSet<string>? ConnectionOptions(StringValues connection)
    {
        HashSet<string>? options = null;
        foreach (var value in connection)
        {
            var names = (value ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            foreach (var name in names)
            {
                (options ??= new HashSet<string>(StringComparer.OrdinalIgnoreCase)).Add(name);
            }
        }

        return options;
    }

    public static void CopyToClient(HttpResponseMessage from, HttpResponse to)
    {
        Copy(from.Headers, to);
        Copy(from.Content.Headers, to);
    }

    private static void Copy(HttpHeaders headers, HttpResponse to)
    {
        foreach (var (name, values) in headers.NonValidated)
        {
            if (HopByHop.Contains(name) || NotToClient.Contains(name))
            {
                continue;
            }

            to.Headers[name] = values.Count == 1 ? values.ToString() : values.ToArray();
        }
    }
}
