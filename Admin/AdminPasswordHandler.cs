using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace TokenRouter.Admin;

/// <summary>
/// <c>Authorization: Bearer &lt;ADMIN_PASSWORD&gt;</c> for the CLI and scripts. Wrong passwords
/// count towards the same lockout as the login form.
/// </summary>
internal sealed class AdminPasswordHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggers,
    UrlEncoder encoder,
    AdminPassword password,
    LoginThrottle throttle)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggers, encoder)
{
    private JsonHttpResult<AdminError>? _refusal;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (header is null || !header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return AuthenticateResult.NoResult();
        }

        var candidate = header["Bearer ".Length..].Trim();
        _refusal = await throttle.JudgeAsync(Context, password.Matches(candidate));
        if (_refusal is not null)
        {
            return AuthenticateResult.Fail("The admin password was refused.");
        }

        var principal = AdminAuthentication.CreatePrincipal(AdminAuthentication.BearerScheme);
        return AuthenticateResult.Success(new AuthenticationTicket(principal, Scheme.Name));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer";
        return AdminErrors.WriteAsync(Context, _refusal ?? AdminErrors.NotAuthenticated());
    }
}
