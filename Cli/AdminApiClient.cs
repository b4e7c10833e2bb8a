using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using TokenRouter.Admin;

namespace TokenRouter.Cli;

/// <summary>A successful answer: the value, and the JSON exactly as the server sent it (for --json).</summary>
internal sealed record ApiAnswer<T>(T Value, string Json);

/// <summary>
/// The running server's admin API, seen from the shell. Every failure becomes a
/// <see cref="CliException"/> with one line naming the server's URL.
/// </summary>
internal sealed class AdminApiClient : IDisposable
{
    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http;
    private readonly string _passwordOrigin;

    /// <param name="baseUrl">The server's root, ending in '/'.</param>
    /// <param name="passwordOrigin">Where the admin password came from, for the message when it is refused.</param>
    public AdminApiClient(Uri baseUrl, string adminPassword, string passwordOrigin)
    {
        BaseUrl = baseUrl;
        _passwordOrigin = passwordOrigin;
        _http = new HttpClient(new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) })
        {
            BaseAddress = baseUrl,
            Timeout = RequestTimeout,
        };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", adminPassword);
        _http.DefaultRequestHeaders.Add(AdminCallers.ClientHeader, AdminCallers.Cli);
    }

    public Uri BaseUrl { get; }

    public async Task<ApiAnswer<List<TeamView>>> ListTeamsAsync(CancellationToken cancellationToken)
    {
        var json = await SendAsync(HttpMethod.Get, "admin/api/teams", null, cancellationToken);
        return new ApiAnswer<List<TeamView>>(ReadTeamList(json), json);
    }

    public Task<ApiAnswer<TeamView>> CreateTeamAsync(TeamFields team, CancellationToken cancellationToken) =>
        SendForTeamAsync(HttpMethod.Post, "admin/api/teams", JsonBody(team), cancellationToken);

    public Task<ApiAnswer<TeamView>> GetTeamAsync(long id, CancellationToken cancellationToken) =>
        SendForTeamAsync(HttpMethod.Get, $"admin/api/teams/{id}", null, cancellationToken);

    /// <summary>Changes the fields that are given; the others stay as they are.</summary>
    public Task<ApiAnswer<TeamView>> UpdateTeamAsync(long id, TeamFields changes, CancellationToken cancellationToken) =>
        SendForTeamAsync(HttpMethod.Patch, $"admin/api/teams/{id}", JsonBody(changes), cancellationToken);

    public Task<ApiAnswer<TeamView>> ResetAsync(long id, CancellationToken cancellationToken) =>
        SendForTeamAsync(HttpMethod.Post, $"admin/api/teams/{id}/reset", null, cancellationToken);

    public Task<ApiAnswer<TeamView>> RotateAsync(long id, CancellationToken cancellationToken) =>
        SendForTeamAsync(HttpMethod.Post, $"admin/api/teams/{id}/rotate", null, cancellationToken);

    /// <summary>Deletes the team; returns the server's JSON, empty when it answered 204.</summary>
    public Task<string> DeleteAsync(long id, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Delete, $"admin/api/teams/{id}", null, cancellationToken);

    /// <summary>The team with this name: an exact match, else the only one that differs just in case.</summary>
    public async Task<TeamView> FindAsync(string name, CancellationToken cancellationToken)
    {
        var teams = (await ListTeamsAsync(cancellationToken)).Value;
        var exact = teams.FirstOrDefault(t => t.Name == name);
        if (exact is not null)
        {
            return exact;
        }

        var similar = teams.Where(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase)).ToList();
        return similar.Count == 1
            ? similar[0]
            : throw new CliException(ExitCodes.Failure,
                $"no team named '{Display.Clean(name)}' on {BaseUrl}; 'tokenrouter team list' shows the teams.");
    }

    public void Dispose() => _http.Dispose();

    private static ByteArrayContent JsonBody(TeamFields fields)
    {
        var content = new ByteArrayContent(fields.ToJson());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }

    private async Task<ApiAnswer<TeamView>> SendForTeamAsync(
        HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        var json = await SendAsync(method, path, content, cancellationToken);
        return new ApiAnswer<TeamView>(Read(json, CliJsonContext.Default.TeamView), json);
    }

    private async Task<string> SendAsync(
        HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException e)
        {
            var reason = e.InnerException?.Message ?? e.Message;
            throw new CliException(ExitCodes.Failure, $"cannot reach TokenRouter at {BaseUrl} ({reason}); " +
                "is the server running? Start it with 'tokenrouter serve', or point --url at it.");
        }
        catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Failure,
                $"TokenRouter at {BaseUrl} did not answer within {RequestTimeout.TotalSeconds:0} seconds.");
        }

        using (response)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return response.IsSuccessStatusCode ? body : throw Refusal(response, body);
        }
    }

    private CliException Refusal(HttpResponseMessage response, string body)
    {
        var status = $"{(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd();
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
        {
            return new CliException(ExitCodes.Failure,
                $"TokenRouter at {BaseUrl} refused the admin password ({status}); " +
                $"it must match the server's ADMIN_PASSWORD (this command used {_passwordOrigin}).");
        }

        var message = TryReadError(body);
        return message is not null
            ? new CliException(ExitCodes.Failure, $"{Display.Clean(message)} ({status})")
            : new CliException(ExitCodes.Failure, $"{BaseUrl} answered {status} without an API error; " +
                "is --url pointing at TokenRouter?");
    }

    private static string? TryReadError(string body)
    {
        try
        {
            return JsonSerializer.Deserialize(body, CliJsonContext.Default.ApiErrorBody)?.Error?.Message;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Accepts a bare array or a list object ({"data": [...]}, {"teams": [...]} or {"items": [...]}).</summary>
    private List<TeamView> ReadTeamList(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                foreach (var name in (string[])["data", "teams", "items"])
                {
                    if (root.TryGetProperty(name, out var list) && list.ValueKind == JsonValueKind.Array)
                    {
                        root = list;
                        break;
                    }
                }
            }

            return root.Deserialize(CliJsonContext.Default.ListTeamView) ?? [];
        }
        catch (JsonException)
        {
            throw Unreadable();
        }
    }

    private T Read<T>(string json, JsonTypeInfo<T> type)
    {
        try
        {
            return JsonSerializer.Deserialize(json, type) ?? throw Unreadable();
        }
        catch (JsonException)
        {
            throw Unreadable();
        }
    }

    private CliException Unreadable() =>
        new(ExitCodes.Failure,
            $"{BaseUrl} answered with JSON this tokenrouter cannot read; is --url pointing at TokenRouter?");
}
