namespace TokenRouter.Admin;

/// <summary>
/// Who made an admin change, as the books record it: the kind of caller and its address, and
/// "via tokenrouter CLI" when the team command sent it.
/// </summary>
internal static class AdminCallers
{
    /// <summary>The header the CLI sends with every admin API call, naming itself.</summary>
    public const string ClientHeader = "X-TokenRouter-Client";

    public const string Cli = "cli";

    /// <remarks>
    /// The header is the caller's own word; it only labels a change an authenticated admin made.
    /// Any other value is ignored rather than recorded, so nothing arbitrary lands in the books.
    /// </remarks>
    public static string Describe(HttpContext context)
    {
        var caller = AdminAuthentication.DescribeCaller(context);
        return context.Request.Headers[ClientHeader] == Cli ? caller + " via tokenrouter CLI" : caller;
    }
}
