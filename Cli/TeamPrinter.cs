namespace TokenRouter.Cli;

/// <summary>How team commands show their results: tables for people, the API's own JSON with --json.</summary>
internal sealed class TeamPrinter(TextWriter output, bool json)
{
    public void List(ApiAnswer<List<TeamView>> answer)
    {
        if (json)
        {
            output.WriteLine(answer.Json);
            return;
        }

        if (answer.Value.Count == 0)
        {
            output.WriteLine("No teams yet. Create one with: tokenrouter team create NAME --quota TOKENS");
            return;
        }

        Table(answer.Value);
    }

    /// <summary>One team, field by field.</summary>
    public void Details(ApiAnswer<TeamView> answer)
    {
        if (json)
        {
            output.WriteLine(answer.Json);
            return;
        }

        var team = answer.Value;
        var table = new TextTable("FIELD", "VALUE");
        table.Add("id", team.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));
        table.Add("name", Display.Clean(team.Name));
        table.Add("quota", Display.Number(team.Quota));
        table.Add("used", Display.Number(team.Used));
        table.Add("remaining", Display.Number(team.Remaining));
        table.Add("token prefix", Display.Clean(team.TokenPrefix ?? "-"));
        table.Add("period", Display.Clean(team.Period ?? "-"));
        table.Add("models", Models(team, whenAll: "all allowed"));
        table.Add("requests per minute", team.Rpm is null ? "no limit" : Display.Number(team.Rpm));
        table.Add("tokens per minute", team.Tpm is null ? "no limit" : Display.Number(team.Tpm));
        table.Add("expires at", team.ExpiresAt is null ? "never" : Display.Time(team.ExpiresAt));
        table.Add("enabled", Display.YesNo(team.Enabled));
        table.Add("next reset at", team.NextResetAt is null ? "never (no period)" : Display.Time(team.NextResetAt));
        table.Add("last request at", Display.Time(team.LastRequestAt));
        table.Add("created at", Display.Time(team.CreatedAt));
        table.Add("updated at", Display.Time(team.UpdatedAt));
        table.WriteTo(output);
    }

    /// <summary>A team after a change: one row of the list table.</summary>
    public void Changed(ApiAnswer<TeamView> answer)
    {
        if (json)
        {
            output.WriteLine(answer.Json);
            return;
        }

        Table([answer.Value]);
    }

    /// <summary>A team with its new token (create, rotate): the only time the token is ever shown.</summary>
    public void WithToken(ApiAnswer<TeamView> answer)
    {
        if (json)
        {
            output.WriteLine(answer.Json);
            return;
        }

        Table([answer.Value]);
        output.WriteLine();
        output.WriteLine($"Token for team '{Display.Clean(answer.Value.Name)}' (shown once: it is stored only as a hash, " +
            "so copy it now):");
        output.WriteLine(Display.Clean(answer.Value.Token ?? "(the server sent no token)"));
    }

    public void Deleted(TeamView team, string responseJson)
    {
        if (json)
        {
            output.WriteLine(responseJson.Length > 0
                ? responseJson
                : System.Text.Json.JsonSerializer.Serialize(
                    new DeletedTeam(team.Id, team.Name, Deleted: true), CliJsonContext.Default.DeletedTeam));
            return;
        }

        output.WriteLine($"Deleted team '{Display.Clean(team.Name)}' (id {team.Id}); its request log rows are kept.");
    }

    private void Table(IEnumerable<TeamView> teams)
    {
        var table = new TextTable(
                "ID", "NAME", "QUOTA", "USED", "REMAINING", "TOKEN", "PERIOD", "NEXT RESET", "MODELS", "RPM", "TPM", "EXPIRES",
                "ENABLED", "LAST REQUEST")
            .AlignRight("ID", "QUOTA", "USED", "REMAINING", "RPM", "TPM");
        foreach (var team in teams)
        {
            table.Add(
                team.Id.ToString(System.Globalization.CultureInfo.InvariantCulture),
                Display.Clean(team.Name),
                Display.Number(team.Quota),
                Display.Number(team.Used),
                Display.Number(team.Remaining),
                Display.Clean(team.TokenPrefix ?? "-"),
                Display.Clean(team.Period ?? "-"),
                Display.Time(team.NextResetAt),
                Models(team, whenAll: "all"),
                Display.Number(team.Rpm),
                Display.Number(team.Tpm),
                Display.Time(team.ExpiresAt),
                Display.YesNo(team.Enabled),
                Display.Time(team.LastRequestAt));
        }

        table.WriteTo(output);
    }

    private static string Models(TeamView team, string whenAll) =>
        team.Models is { Count: > 0 } models ? Display.Clean(string.Join(",", models)) : whenAll;
}
