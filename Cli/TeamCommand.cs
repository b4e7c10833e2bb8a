using System.CommandLine;
using TokenRouter.Config;

namespace TokenRouter.Cli;

/// <summary>
/// <c>tokenrouter team ...</c>: team administration from the shell, through the running
/// server's admin API, authenticated with ADMIN_PASSWORD from the env file or environment.
/// </summary>
internal static class TeamCommand
{
    private sealed record SharedOptions(Option<string?> Url, Option<string> EnvFile, Option<bool> Json);

    private delegate Task TeamAction(
        ParseResult parse, AdminApiClient api, TeamPrinter print, CancellationToken cancellationToken);

    public static Command Create(CliContext context)
    {
        var shared = new SharedOptions(
            new Option<string?>("--url")
            {
                Description = "The running server (default http://127.0.0.1:PORT, with PORT from the settings)",
                HelpName = "url",
                Recursive = true,
            },
            CommonOptions.EnvFile(),
            new Option<bool>("--json") { Description = "Print the admin API's JSON instead of a table", Recursive = true });
        shared.EnvFile.Recursive = true;

        var team = new Command("team", "Manage teams on the running server (through its admin API)")
        {
            shared.Url, shared.EnvFile, shared.Json,
        };

        var name = new Argument<string>("NAME") { Description = "The team's name" };
        var newQuota = new Argument<long>("TOKENS") { Description = "The new quota in tokens", CustomParser = CliValues.ParseTokens };

        team.Add(DefineCreate(shared, context));
        team.Add(DefineSet(name, shared, context));

        team.Add(Define("list", "List the teams with their quota and usage", [], [], shared, context,
            async (_, api, print, ct) => print.List(await api.ListTeamsAsync(ct))));

        team.Add(Define("show", "Show everything about one team", [name], [], shared, context,
            async (parse, api, print, ct) =>
                print.Details(await api.GetTeamAsync((await api.FindAsync(parse.GetValue(name)!, ct)).Id, ct))));

        team.Add(Define("set-quota", "Change a team's quota", [name, newQuota], [], shared, context,
            async (parse, api, print, ct) =>
            {
                var found = await api.FindAsync(parse.GetValue(name)!, ct);
                print.Changed(await api.UpdateTeamAsync(found.Id, new TeamFields { Quota = parse.GetValue(newQuota) }, ct));
            }));

        team.Add(Define("reset", "Set a team's used tokens back to 0", [name], [], shared, context,
            async (parse, api, print, ct) =>
                print.Changed(await api.ResetAsync((await api.FindAsync(parse.GetValue(name)!, ct)).Id, ct))));

        team.Add(Define("rotate", "Give a team a new token (the old one stops working at once)", [name], [], shared, context,
            async (parse, api, print, ct) =>
                print.WithToken(await api.RotateAsync((await api.FindAsync(parse.GetValue(name)!, ct)).Id, ct))));

        team.Add(Define("delete", "Delete a team (its request log rows are kept)", [name], [], shared, context,
            async (parse, api, print, ct) =>
            {
                var found = await api.FindAsync(parse.GetValue(name)!, ct);
                print.Deleted(found, await api.DeleteAsync(found.Id, ct));
            }));

        return team;
    }

    /// <summary><c>team create NAME --quota N [policy options]</c>; the name may be given as --name instead.</summary>
    private static Command DefineCreate(SharedOptions shared, CliContext context)
    {
        var name = new Argument<string?>("NAME") { Description = "The team's name (or --name)", Arity = ArgumentArity.ZeroOrOne };
        var nameOption = new Option<string?>("--name") { Description = "The team's name, instead of NAME", HelpName = "name" };
        var quota = new Option<long>("--quota")
        {
            Description = "Tokens the team may use (per period, when it has one)",
            HelpName = "tokens",
            Required = true,
            CustomParser = CliValues.ParseTokens,
        };
        var policy = new TeamPolicyOptions();
        var create = Define("create", "Create a team and print its token (shown only this once)", [name], [nameOption, quota],
            shared, context, async (parse, api, print, ct) =>
            {
                var teamName = parse.GetValue(name) ?? parse.GetValue(nameOption);
                var fields = policy.Read(parse, new TeamFields { Name = teamName, Quota = parse.GetValue(quota) });
                print.WithToken(await api.CreateTeamAsync(fields, ct));
            });
        policy.AddTo(create);
        create.Validators.Add(result =>
        {
            var positional = result.GetValue(name);
            var option = result.GetValue(nameOption);
            if (positional is not null && option is not null)
            {
                result.AddError("Give the team's name once: as NAME or as --name, not both.");
            }
            else if (string.IsNullOrWhiteSpace(positional ?? option))
            {
                result.AddError("A team needs a name: give NAME or --name.");
            }
        });
        return create;
    }

    /// <summary><c>team set NAME [--name NEW] [--quota N] [policy options]</c>: changes only what is given.</summary>
    private static Command DefineSet(Argument<string> name, SharedOptions shared, CliContext context)
    {
        var newName = new Option<string?>("--name") { Description = "Rename the team", HelpName = "new-name" };
        var quota = new Option<long?>("--quota")
        {
            Description = "Tokens the team may use (per period, when it has one)",
            HelpName = "tokens",
            CustomParser = result => CliValues.ParseTokens(result),
        };
        var policy = new TeamPolicyOptions();
        var set = Define("set", "Change a team's name, quota or policy; what is not given stays as it is", [name], [newName, quota],
            shared, context, async (parse, api, print, ct) =>
            {
                var found = await api.FindAsync(parse.GetValue(name)!, ct);
                var fields = policy.Read(parse, new TeamFields { Name = parse.GetValue(newName), Quota = parse.GetValue(quota) });
                print.Changed(await api.UpdateTeamAsync(found.Id, fields, ct));
            });
        set.Aliases.Add("update");
        policy.AddTo(set);
        set.Validators.Add(result =>
        {
            if (result.GetResult(newName) is not null && string.IsNullOrWhiteSpace(result.GetValue(newName)))
            {
                result.AddError("--name must not be empty.");
            }

            if (result.GetResult(newName) is null && result.GetResult(quota) is null && !policy.AnyGiven(result))
            {
                result.AddError("Nothing to change: give --name, --quota, --period, --models, --rpm, --tpm, --expires-at, " +
                    "--enable or --disable.");
            }
        });
        return set;
    }

    private static Command Define(
        string verb,
        string description,
        Argument[] arguments,
        Option[] options,
        SharedOptions shared,
        CliContext context,
        TeamAction action)
    {
        var command = new Command(verb, description);
        foreach (var argument in arguments)
        {
            command.Add(argument);
        }

        foreach (var option in options)
        {
            command.Add(option);
        }

        command.SetAction(async (parse, cancellationToken) =>
        {
            using var api = Connect(parse, shared, context);
            await action(parse, api, new TeamPrinter(context.Out, parse.GetValue(shared.Json)), cancellationToken);
            return ExitCodes.Success;
        });
        return command;
    }

    /// <summary>The admin API of the server the settings describe, or of --url.</summary>
    private static AdminApiClient Connect(ParseResult parse, SharedOptions shared, CliContext context)
    {
        // Only what reaching the server needs is read: a team command must not fail on, say, a
        // relative DATABASE_PATH that only makes sense in the server's working directory.
        var source = SettingsSource.Open(parse.GetValue(shared.EnvFile)!, context.Environment);
        var read = new SettingReader(source);
        var host = read.Host(SettingKeys.Host, "0.0.0.0");
        var port = read.Integer(SettingKeys.Port, 8000, min: 0, max: 65535);
        var password = read.Secret(SettingKeys.AdminPassword, RouterSettings.DefaultAdminPassword)!;
        if (read.Problems.Count > 0)
        {
            throw new SettingsException(read.Problems);
        }

        var url = parse.GetValue(shared.Url) is { } text
            ? SettingReader.ParseHttpUrl(text, asBase: true)
                ?? throw new SettingsException(
                    $"--url must be an absolute http or https URL such as http://127.0.0.1:8000; got '{text}'.")
            : port != 0
                ? LocalUrl(host, port)
                : throw new SettingsException(
                    $"{SettingKeys.Port} is 0 (the server picks a free port), so pass --url with its address.");
        var passwordOrigin = source.Get(SettingKeys.AdminPassword)?.Origin
            ?? $"the default, as {SettingKeys.AdminPassword} is not set in {source.EnvFile.FullPath} or the environment";
        return new AdminApiClient(url, password, passwordOrigin);
    }

    /// <summary>Where a server started with these settings can be reached from this machine.</summary>
    internal static Uri LocalUrl(string host, int port)
    {
        var address = host.Trim('[', ']') switch
        {
            "0.0.0.0" or "*" or "+" or "localhost" => "127.0.0.1",
            "::" => "[::1]",
            var ip when ip.Contains(':', StringComparison.Ordinal) => $"[{ip}]",
            var other => other,
        };
        return new Uri($"http://{address}:{port}/");
    }
}
