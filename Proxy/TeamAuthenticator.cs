using TokenRouter.Quota;

namespace TokenRouter.Proxy;

/// <summary>
/// Finds the team behind a request. The token may come as "Authorization: Bearer" (scheme in
/// any case), "api-key" (Azure style) or "x-api-key"; when several are present, Authorization
/// wins, then api-key, then x-api-key, and only that one is checked.
/// </summary>
internal sealed class TeamAuthenticator(TeamDirectory teams, TimeProvider clock)
{
    public TeamAccount? Authenticate(HttpRequest request, out OpenAIError? error)
    {
        var token = ReadToken(request);
        if (token is "")
        {
            error = OpenAIError.InvalidApiKey(
                "The Authorization header must use the Bearer scheme: 'Authorization: Bearer <your team token>'.");
            return null;
        }

        if (token is null)
        {
            error = OpenAIError.InvalidApiKey(
                "You didn't provide an API key. Send your team token as 'Authorization: Bearer <token>'.");
            return null;
        }

        var account = teams.FindByTokenHash(TeamTokens.Hash(token));
        if (account is null)
        {
            error = OpenAIError.InvalidApiKey($"Incorrect API key provided: {Redact(token)}.");
            return null;
        }

        var team = account.Team;
        if (!team.Enabled)
        {
            error = OpenAIError.InvalidApiKey($"The team '{team.Name}' is disabled. Ask your TokenRouter admin.");
            return null;
        }

        if (team.ExpiresAt is { } expires && expires <= clock.GetUtcNow())
        {
            error = OpenAIError.InvalidApiKey(
                $"The team '{team.Name}' expired on {expires:yyyy-MM-dd HH:mm} UTC. Ask your TokenRouter admin.");
            return null;
        }

        error = null;
        return account;
    }

    private static string? ReadToken(HttpRequest request)
    {
        var authorization = request.Headers.Authorization.ToString();
        if (authorization.Length > 0)
        {
            const string scheme = "Bearer ";
            return authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
                ? authorization[scheme.Length..].Trim()
                : "";
        }

        var apiKey = request.Headers["api-key"].ToString();
        if (apiKey.Length > 0)
        {
            return apiKey.Trim();
        }

        var xApiKey = request.Headers["x-api-key"].ToString();
        return xApiKey.Length > 0 ? xApiKey.Trim() : null;
    }

    /// <summary>Like OpenAI: enough of a wrong key to recognise it, never the whole of it.</summary>
    private static string Redact(string token) =>
        token.Length <= 8 ? "****" : $"{token[..Math.Min(6, token.Length - 4)]}****{token[^4..]}";
}
