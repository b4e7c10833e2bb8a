using System.Net.Http.Headers;

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

    public static void CopyToProvider(HttpRequest from, HttpRequestMessage to, string providerKey)
    {
        foreach (var (name, values) in from.Headers)
        {
            if (HopByHop.Contains(name) || NotToProvider.Contains(name)
                || name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            to.Headers.TryAddWithoutValidation(name, (IEnumerable<string?>)values);
        }

        to.Headers.Authorization = new AuthenticationHeaderValue("Bearer", providerKey);
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
