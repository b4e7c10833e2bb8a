using System.Net;
using System.Net.Http.Json;
using TokenRouter.Admin;

namespace TokenRouter.Tests.Security;

/// <summary>
/// Issue 6, behind a reverse proxy: X-Forwarded-For and -Proto are believed only from the
/// proxies in TRUSTED_PROXIES (and loopback), so the client address in the log and in the
/// login lockout is real and cannot be chosen by the client.
/// </summary>
public sealed class ForwardedHeadersTests
{
    private const string Proxy = "203.0.113.7";

    [Fact]
    public async Task UntrustedPeer_ForwardedHeadersIgnored_LockoutAndLogUseTheSocketAddress()
    {
        await using var server = await PeerServer.StartAsync();
        using var attacker = server.ClientFrom("203.0.113.66");

        // Five wrong passwords, each claiming to come from somewhere else.
        for (var i = 1; i <= LoginThrottle.AllowedFailures; i++)
        {
            using var wrong = await LoginAsync(attacker, "wrong-" + i, forwardedFor: $"198.51.100.{i}");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        // A new claimed address does not lift the lockout; another real machine is not affected.
        using (var locked = await LoginAsync(attacker, PeerServer.AdminPassword, forwardedFor: "198.51.100.200"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        }

        using var colleague = server.ClientFrom("203.0.113.67");
        using (var allowed = await LoginAsync(colleague, PeerServer.AdminPassword, forwardedFor: "198.51.100.1", proto: "https"))
        {
            Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);

            // X-Forwarded-Proto from a stranger is ignored too: the request was plain HTTP.
            var cookie = SessionCookie(allowed);
            Assert.DoesNotContain("secure", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
            Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        }

        var lines = server.Logs.Lines.Where(l => l.Category.StartsWith("TokenRouter", StringComparison.Ordinal)).ToList();
        Assert.Equal(LoginThrottle.AllowedFailures, lines.Count(l => l.Message.StartsWith("Wrong admin password from 203.0.113.66 ")));
        Assert.Contains(lines, l => l.Message == "Admin signed in from 203.0.113.67.");
        Assert.DoesNotContain(lines, l => l.FullText.Contains("198.51.100.", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TrustedProxy_ForwardedForHonoured_EachClientBehindItLockedOutOnItsOwn()
    {
        await using var server = await PeerServer.StartAsync(IPAddress.Parse(Proxy));
        using var proxy = server.ClientFrom(Proxy);

        // The client behind the proxy, over HTTPS at the proxy: its address is logged, its cookie secure.
        using (var signedIn = await LoginAsync(proxy, PeerServer.AdminPassword, forwardedFor: "198.51.100.20", proto: "https"))
        {
            Assert.Equal(HttpStatusCode.OK, signedIn.StatusCode);
            Assert.Contains("secure", SessionCookie(signedIn), StringComparison.OrdinalIgnoreCase);
        }

        Assert.Contains(server.Logs.Lines, l => l.Message == "Admin signed in from 198.51.100.20.");

        // One client guesses; it alone is locked out, even when it prepends another address
        // (a proxy appends the real one, and only the last hop is believed).
        for (var i = 1; i <= LoginThrottle.AllowedFailures; i++)
        {
            using var wrong = await LoginAsync(proxy, "wrong-" + i, forwardedFor: "198.51.100.1");
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        }

        using (var locked = await LoginAsync(proxy, PeerServer.AdminPassword, forwardedFor: "198.51.100.2, 198.51.100.1"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, locked.StatusCode);
        }

        using (var other = await LoginAsync(proxy, PeerServer.AdminPassword, forwardedFor: "198.51.100.2"))
        {
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        }

        Assert.Equal(LoginThrottle.AllowedFailures,
            server.Logs.Lines.Count(l => l.Message.StartsWith("Wrong admin password from 198.51.100.1 ")));
        Assert.DoesNotContain(server.Logs.Lines, l => l.Message.Contains("from " + Proxy, StringComparison.Ordinal));
    }

    private static async Task<HttpResponseMessage> LoginAsync(
        HttpClient client, string password, string forwardedFor, string? proto = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "admin/api/login")
        {
            Content = JsonContent.Create(new { password }),
        };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        if (proto is not null)
        {
            request.Headers.Add("X-Forwarded-Proto", proto);
        }

        return await client.SendAsync(request);
    }

    private static string SessionCookie(HttpResponseMessage response) => response.Headers.GetValues("Set-Cookie")
        .Single(c => c.StartsWith(AdminAuthentication.CookieName + "=", StringComparison.Ordinal));
}
