using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using TokenRouter.Proxy;

namespace TokenRouter.Tests.Cli;

/// <summary>
/// A real HTTP server on loopback that speaks the admin API's team endpoints (in memory) and
/// records every request it receives, so the CLI can be tested end to end over HTTP.
/// </summary>
internal sealed class FakeAdminApi : IAsyncDisposable
{
    public const string Password = "test-admin-pw";
    public static readonly DateTimeOffset Created = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    private readonly WebApplication _app;
    private readonly List<JsonObject> _teams = [];
    private readonly bool _listAsObject;
    private long _nextId = 1;

    private FakeAdminApi(bool listAsObject)
    {
        _listAsObject = listAsObject;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.Use(RecordAndAuthenticate);
        _app.MapGet("/admin/api/teams", List);
        _app.MapPost("/admin/api/teams", Create);
        _app.MapGet("/admin/api/teams/{id:long}", (long id) => WithTeam(id, json => Results.Text(json, "application/json")));
        _app.MapPatch("/admin/api/teams/{id:long}", Patch);
        _app.MapDelete("/admin/api/teams/{id:long}", Delete);
        _app.MapPost("/admin/api/teams/{id:long}/reset", (long id) => WithTeam(id, json => Change(id, t => t["used"] = 0L)));
        _app.MapPost("/admin/api/teams/{id:long}/rotate", Rotate);
    }

    public Uri Url { get; private set; } = null!;

    public int Port => Url.Port;

    /// <summary>"METHOD /path" of every request, in order.</summary>
    public List<string> Requests { get; } = [];

    public List<string?> Authorizations { get; } = [];

    /// <summary>Request bodies of the requests that had one.</summary>
    public List<string> Bodies { get; } = [];

    /// <summary>The token handed out by the last create or rotate.</summary>
    public string? LastToken { get; private set; }

    public static async Task<FakeAdminApi> StartAsync(bool listAsObject = false)
    {
        var api = new FakeAdminApi(listAsObject);
        await api._app.StartAsync();
        var address = api._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        api.Url = new Uri(address + "/");
        return api;
    }

    /// <summary>Adds a team directly, as if created earlier.</summary>
    public JsonObject Seed(string name, long quota, long used, string period = "none")
    {
        var team = NewTeam(name, quota, TeamTokens.Generate());
        team["used"] = used;
        team["remaining"] = Math.Max(0, quota - used);
        team["period"] = period;
        return team;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private static IResult Error(int status, string message, string code) => Results.Json(
        new JsonObject
        {
            ["error"] = new JsonObject { ["message"] = message, ["type"] = "invalid_request_error", ["param"] = null, ["code"] = code },
        },
        statusCode: status);

    private async Task RecordAndAuthenticate(HttpContext context, RequestDelegate next)
    {
        var body = await new StreamReader(context.Request.Body).ReadToEndAsync();
        lock (Requests)
        {
            Requests.Add($"{context.Request.Method} {context.Request.Path}");
            Authorizations.Add(context.Request.Headers.Authorization.FirstOrDefault());
            if (body.Length > 0)
            {
                Bodies.Add(body);
            }
        }

        context.Items["body"] = body;
        if (context.Request.Headers.Authorization != $"Bearer {Password}")
        {
            await Error(401, "Wrong admin password.", "invalid_admin_password").ExecuteAsync(context);
            return;
        }

        await next(context);
    }

    private IResult List()
    {
        var array = new JsonArray([.. _teams.Select(t => t.DeepClone())]);
        var json = _listAsObject ? new JsonObject { ["object"] = "list", ["data"] = array } : (JsonNode)array;
        return Results.Text(json.ToJsonString(), "application/json");
    }

    private IResult Create(HttpContext context)
    {
        var request = JsonNode.Parse((string)context.Items["body"]!)!.AsObject();
        var name = request["name"]!.GetValue<string>();
        if (_teams.Any(t => (string)t["name"]! == name))
        {
            return Error(409, $"A team named '{name}' already exists.", "duplicate_name");
        }

        LastToken = TeamTokens.Generate();
        var team = NewTeam(name, request["quota"]!.GetValue<long>(), LastToken);
        var answer = team.DeepClone().AsObject();
        answer["token"] = LastToken;
        return Results.Text(answer.ToJsonString(), "application/json", statusCode: 201);
    }

    private IResult Patch(long id, HttpContext context)
    {
        var request = JsonNode.Parse((string)context.Items["body"]!)!.AsObject();
        return WithTeam(id, _ => Change(id, team =>
        {
            foreach (var (field, value) in request)
            {
                team[field] = value?.DeepClone();
            }
        }));
    }

    private IResult Delete(long id) => WithTeam(id, _ =>
    {
        _teams.RemoveAll(t => (long)t["id"]! == id);
        return Results.NoContent();
    });

    private IResult Rotate(long id) => WithTeam(id, _ =>
    {
        LastToken = TeamTokens.Generate();
        var team = _teams.Single(t => (long)t["id"]! == id);
        team["token_prefix"] = TeamTokens.DisplayPrefix(LastToken);
        var answer = team.DeepClone().AsObject();
        answer["token"] = LastToken;
        return Results.Text(answer.ToJsonString(), "application/json");
    });

    private IResult WithTeam(long id, Func<string, IResult> found)
    {
        var team = _teams.SingleOrDefault(t => (long)t["id"]! == id);
        return team is null ? Error(404, $"No team with id {id}.", "team_not_found") : found(team.ToJsonString());
    }

    private IResult Change(long id, Action<JsonObject> change)
    {
        var team = _teams.Single(t => (long)t["id"]! == id);
        change(team);
        team["remaining"] = Math.Max(0, (long)team["quota"]! - (long)team["used"]!);
        return Results.Text(team.ToJsonString(), "application/json");
    }

    private JsonObject NewTeam(string name, long quota, string token)
    {
        var team = new JsonObject
        {
            ["id"] = _nextId++,
            ["name"] = name,
            ["quota"] = quota,
            ["used"] = 0L,
            ["remaining"] = quota,
            ["token_prefix"] = TeamTokens.DisplayPrefix(token),
            ["period"] = "none",
            ["models"] = new JsonArray(),
            ["rpm"] = null,
            ["tpm"] = null,
            ["expires_at"] = null,
            ["enabled"] = true,
            ["next_reset_at"] = null,
            ["last_request_at"] = null,
            ["created_at"] = Created.ToString("O"),
            ["updated_at"] = Created.ToString("O"),
        };
        _teams.Add(team);
        return team;
    }
}
