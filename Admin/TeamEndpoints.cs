using Microsoft.AspNetCore.Http.HttpResults;
using TokenRouter.Config;
using TokenRouter.Proxy;
using TokenRouter.Quota;
using TokenRouter.Storage;

namespace TokenRouter.Admin;

/// <summary>
/// /admin/api/teams: every change goes to the books first and then to the in-memory ledger,
/// so that the proxy sees exactly what the database holds.
/// </summary>
internal static class TeamEndpoints
{
    /// <summary>How many resets GET .../resets returns, newest first.</summary>
    private const int ResetHistoryLength = 100;

    public static void MapTeams(this RouteGroupBuilder api)
    {
        var teams = api.MapGroup("/teams").WithTags("Teams");

        teams.MapGet("/", ListAsync)
            .WithSummary("List all teams with their live usage.");

        teams.MapPost("/", CreateAsync)
            .WithSummary("Create a team; the answer holds its token, shown this once.")
            .DescribeJsonBody<CreateTeamRequest>()
            .Produces<TeamWithToken>(StatusCodes.Status201Created)
            .Produces<AdminError>(StatusCodes.Status400BadRequest)
            .Produces<AdminError>(StatusCodes.Status409Conflict);

        teams.MapGet("/{id:long}", GetAsync)
            .WithSummary("One team with its live usage.");

        teams.MapMethods("/{id:long}", [HttpMethods.Patch], UpdateAsync)
            .WithSummary("Change any of a team's fields; an explicit null clears rpm, tpm or expires_at.")
            .DescribeJsonBody<UpdateTeamRequest>()
            .Produces<TeamView>()
            .Produces<AdminError>(StatusCodes.Status400BadRequest)
            .Produces<AdminError>(StatusCodes.Status404NotFound)
            .Produces<AdminError>(StatusCodes.Status409Conflict);

        teams.MapDelete("/{id:long}", DeleteAsync)
            .WithSummary("Delete a team; its request log rows stay.");

        teams.MapPost("/{id:long}/reset", ResetAsync)
            .WithSummary("Set the team's used tokens to 0, recorded as a manual reset.");

        teams.MapPost("/{id:long}/rotate", RotateAsync)
            .WithSummary("Give the team a new token (shown this once); the old one stops working at once.");

        teams.MapGet("/{id:long}/resets", ListResetsAsync)
            .WithSummary("The team's usage resets, newest first.");
    }

    private static async Task<Ok<TeamList>> ListAsync(
        IBooks books, TeamDirectory directory, QuotaGate gate, CancellationToken cancellationToken)
    {
        var stored = await books.ListTeamsAsync(cancellationToken);
        var views = stored
            .OrderBy(t => t.Id)
            .Select(t => TeamView.From(t, directory.Find(t.Id), gate))
            .ToList();
        return TypedResults.Ok(new TeamList(views));
    }

    private static async Task<IResult> CreateAsync(
        HttpRequest request, IBooks books, TeamDirectory directory, QuotaGate gate, RouterSettings settings,
        ILogger<AdminLog> logger, CancellationToken cancellationToken)
    {
        var (body, error) = await AdminBody.ReadObjectAsync(request, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        var token = TeamTokens.Generate();
        NewTeam? newTeam = null;
        var invalid = TeamRequests.TryRead(body, settings.AllowedModels, out var fields)
            ?? TeamRequests.TryCreate(fields, TeamTokens.Hash(token), TeamTokens.DisplayPrefix(token), out newTeam);
        if (invalid is not null)
        {
            return invalid;
        }

        Team team;
        try
        {
            team = await books.CreateTeamAsync(newTeam!, cancellationToken);
        }
        catch (DuplicateTeamNameException e)
        {
            return AdminErrors.DuplicateName(e.Name);
        }

        var account = directory.Add(team);
        AdminLog.TeamCreated(logger, team.Name, team.Id, team.Quota);
        var view = new TeamWithToken(TeamView.From(team, account, gate), token);
        return TypedResults.Created($"/admin/api/teams/{team.Id}", view);
    }

    private static async Task<Results<Ok<TeamView>, JsonHttpResult<AdminError>>> GetAsync(
        long id, IBooks books, TeamDirectory directory, QuotaGate gate, CancellationToken cancellationToken)
    {
        var team = await books.GetTeamAsync(id, cancellationToken);
        return team is null
            ? AdminErrors.NotFound("team")
            : TypedResults.Ok(TeamView.From(team, directory.Find(id), gate));
    }

    private static async Task<IResult> UpdateAsync(
        long id, HttpRequest request, IBooks books, TeamDirectory directory, QuotaAlerts alerts, QuotaGate gate,
        RouterSettings settings, ILogger<AdminLog> logger, CancellationToken cancellationToken)
    {
        var (body, error) = await AdminBody.ReadObjectAsync(request, cancellationToken);
        if (error is not null)
        {
            return error;
        }

        var invalid = TeamRequests.TryRead(body, settings.AllowedModels, out var changes);
        if (invalid is not null)
        {
            return invalid;
        }

        Team? team;
        try
        {
            team = await books.UpdateTeamAsync(id, changes, cancellationToken);
        }
        catch (DuplicateTeamNameException e)
        {
            return AdminErrors.DuplicateName(e.Name);
        }

        if (team is null)
        {
            return AdminErrors.NotFound("team");
        }

        // The policy (name, quota, limits) changes; the counters stay the ledger's own.
        directory.ApplyPolicy(team);
        alerts.PolicyChanged(directory.Find(id)?.Team ?? team);
        AdminLog.TeamUpdated(logger, team.Name, team.Id);
        return TypedResults.Ok(TeamView.From(team, directory.Find(id), gate));
    }

    private static async Task<Results<NoContent, JsonHttpResult<AdminError>>> DeleteAsync(
        long id, IBooks books, TeamDirectory directory, ILogger<AdminLog> logger, CancellationToken cancellationToken)
    {
        if (!await books.DeleteTeamAsync(id, cancellationToken))
        {
            return AdminErrors.NotFound("team");
        }

        directory.Remove(id);
        AdminLog.TeamDeleted(logger, id);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<TeamView>, JsonHttpResult<AdminError>>> ResetAsync(
        long id, HttpContext context, IBooks books, TeamDirectory directory, QuotaGate gate,
        ILogger<AdminLog> logger)
    {
        // The callback runs on the books' writer in commit order, between the charges committed
        // before the reset and those after it: that is what keeps memory equal to the database.
        var by = AdminCallers.Describe(context);
        var team = await books.ResetUsageAsync(id, ResetReason.Manual(by), committed: directory.ApplyReset);
        if (team is null)
        {
            return AdminErrors.NotFound("team");
        }

        AdminLog.TeamReset(logger, team.Name, team.Id, by);
        return TypedResults.Ok(TeamView.From(team, directory.Find(id), gate));
    }

    private static async Task<Results<Ok<TeamWithToken>, JsonHttpResult<AdminError>>> RotateAsync(
        long id, IBooks books, TeamDirectory directory, QuotaGate gate,
        ILogger<AdminLog> logger, CancellationToken cancellationToken)
    {
        var token = TeamTokens.Generate();
        var team = await books.ReplaceTokenAsync(
            id, TeamTokens.Hash(token), TeamTokens.DisplayPrefix(token), cancellationToken);
        if (team is null)
        {
            return AdminErrors.NotFound("team");
        }

        // Swaps the hash the proxy looks tokens up by: the old token fails from here on.
        directory.ApplyPolicy(team);
        AdminLog.TokenRotated(logger, team.Name, team.Id);
        return TypedResults.Ok(new TeamWithToken(TeamView.From(team, directory.Find(id), gate), token));
    }

    private static async Task<Results<Ok<ResetList>, JsonHttpResult<AdminError>>> ListResetsAsync(
        long id, IBooks books, CancellationToken cancellationToken)
    {
        if (await books.GetTeamAsync(id, cancellationToken) is null)
        {
            return AdminErrors.NotFound("team");
        }

        var resets = await books.ListResetsAsync(id, ResetHistoryLength, cancellationToken);
        return TypedResults.Ok(new ResetList([.. resets.Select(r => new ResetView(r.At, r.Kind, r.By, r.UsedBefore))]));
    }
}
