using System.CommandLine;
using System.CommandLine.Parsing;

namespace TokenRouter.Cli;

/// <summary>
/// The policy options of <c>team create</c> and <c>team set</c>, one for each admin API field:
/// --period, --models, --rpm, --tpm, --expires-at, --enable and --disable.
/// </summary>
internal sealed class TeamPolicyOptions
{
    public Option<string?> Period { get; } = new("--period")
    {
        Description = "When used goes back to 0: none, daily, weekly or monthly (in QUOTA_TIME_ZONE)",
        HelpName = "none|daily|weekly|monthly",
        CustomParser = CliValues.ParsePeriod,
    };

    public Option<string[]?> Models { get; } = new("--models")
    {
        Description = "Comma list of the models the team may use, from ALLOWED_MODELS; empty (\"\") for all",
        HelpName = "a,b",
        Arity = ArgumentArity.ExactlyOne,
        CustomParser = CliValues.ParseModels,
    };

    public Option<Clearable<long>?> Rpm { get; } = new("--rpm")
    {
        Description = "Requests per minute, or none for no limit",
        HelpName = "N|none",
        CustomParser = result => CliValues.ParseLimit(result, "requests"),
    };

    public Option<Clearable<long>?> Tpm { get; } = new("--tpm")
    {
        Description = "Tokens per minute, or none for no limit",
        HelpName = "N|none",
        CustomParser = result => CliValues.ParseLimit(result, "tokens"),
    };

    public Option<Clearable<DateTimeOffset>?> ExpiresAt { get; } = new("--expires-at")
    {
        Description = "When the team's token stops working (ISO 8601, UTC unless it names an offset), or none",
        HelpName = "ISO8601|none",
        CustomParser = CliValues.ParseExpiry,
    };

    public Option<bool> Enable { get; } = new("--enable") { Description = "Let the team's token work" };

    public Option<bool> Disable { get; } = new("--disable") { Description = "Refuse the team's token (401) until enabled again" };

    public IEnumerable<Option> All => [Period, Models, Rpm, Tpm, ExpiresAt, Enable, Disable];

    /// <summary>Adds the options to <paramref name="command"/>, refusing --enable together with --disable.</summary>
    public void AddTo(Command command)
    {
        foreach (var option in All)
        {
            command.Add(option);
        }

        command.Validators.Add(result =>
        {
            if (result.GetValue(Enable) && result.GetValue(Disable))
            {
                result.AddError("--enable and --disable cannot be used together.");
            }
        });
    }

    /// <summary>True when any policy option was given.</summary>
    public bool AnyGiven(CommandResult result) => All.Any(option => result.GetResult(option) is not null);

    /// <summary><paramref name="fields"/> with the policy options that were given.</summary>
    public TeamFields Read(ParseResult parse, TeamFields fields) => fields with
    {
        Period = parse.GetValue(Period),
        Models = parse.GetResult(Models) is null ? null : parse.GetValue(Models), // an array option defaults to []
        Rpm = parse.GetValue(Rpm),
        Tpm = parse.GetValue(Tpm),
        ExpiresAt = parse.GetValue(ExpiresAt),
        Enabled = parse.GetValue(Enable) ? true : parse.GetValue(Disable) ? false : null,
    };
}
