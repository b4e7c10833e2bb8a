using System.ComponentModel;
using System.Text.Json;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.HttpResults;

namespace TokenRouter.Admin;

internal sealed record LoginRequest([property: Description("The ADMIN_PASSWORD.")] string Password);

internal sealed record SessionView(
    bool Authenticated,
    [property: Description("Signed in only: true while ADMIN_PASSWORD is the default one. Null before sign-in.")]
    bool? DefaultPassword,
    [property: Description("Send it back as the X-CSRF-TOKEN header on every POST, PATCH and DELETE.")] string? CsrfToken);

/// <summary>The panel's session: login, logout and what the panel needs to know at start.</summary>
internal static class SessionEndpoints
{
    public const string LoginRateLimitPolicy = "admin-login";

    public static void MapSession(this RouteGroupBuilder anonymous, RouteGroupBuilder admin)
    {
        anonymous.MapPost("/login", LoginAsync)
            .WithTags("Session")
            .WithSummary("Sign in with the admin password; sets the session cookie.")
            .DescribeJsonBody<LoginRequest>()
            .Produces<SessionView>()
            .Produces<AdminError>(StatusCodes.Status400BadRequest)
            .Produces<AdminError>(StatusCodes.Status401Unauthorized)
            .Produces<AdminError>(StatusCodes.Status403Forbidden)
            .Produces<AdminError>(StatusCodes.Status415UnsupportedMediaType)
            .Produces<AdminError>(StatusCodes.Status429TooManyRequests)
            .RequireRateLimiting(LoginRateLimitPolicy);

        anonymous.MapGet("/session", GetSessionAsync)
            .WithTags("Session")
            .WithSummary("Whether this browser is signed in, and its CSRF token.");

        admin.MapPost("/logout", LogoutAsync)
            .WithTags("Session")
            .WithSummary("End the session.");
    }

    private static async Task<IResult> LoginAsync(
        HttpContext context, AdminPassword password, LoginThrottle throttle, IAntiforgery antiforgery,
        ILogger<AdminLog> logger)
    {
        var (body, error) = await AdminBody.ReadObjectAsync(context.Request, context.RequestAborted);
        if (error is not null)
        {
            return error;
        }

        if (!body.TryGetProperty("password", out var field) || field.ValueKind != JsonValueKind.String)
        {
            return AdminErrors.Invalid("password", "Send the admin password as {\"password\": \"...\"}.", "missing_field");
        }

        var refusal = await throttle.JudgeAsync(context, password.Matches(field.GetString()));
        if (refusal is not null)
        {
            return refusal;
        }

        var principal = AdminAuthentication.CreatePrincipal(AdminAuthentication.CookieScheme, password);
        await context.SignInAsync(AdminAuthentication.CookieScheme, principal);
        AdminLog.SignedIn(logger, context.Connection.RemoteIpAddress);

        // The CSRF token is bound to the signed-in identity, so it is made for the new principal.
        context.User = principal;
        var tokens = antiforgery.GetAndStoreTokens(context);
        return TypedResults.Ok(new SessionView(true, password.IsDefault, tokens.RequestToken));
    }

    private static async Task<Ok<SessionView>> GetSessionAsync(
        HttpContext context, AdminPassword password, IAntiforgery antiforgery)
    {
        var result = await context.AuthenticateAsync(AdminAuthentication.Scheme);
        if (result.Succeeded)
        {
            context.User = result.Principal;
        }

        // Whether the default password is in use is told to a signed-in admin only: before
        // sign-in it would tell anyone which password to try first.
        var tokens = antiforgery.GetAndStoreTokens(context);
        var defaultPassword = result.Succeeded ? password.IsDefault : (bool?)null;
        return TypedResults.Ok(new SessionView(result.Succeeded, defaultPassword, tokens.RequestToken));
    }

    private static async Task<NoContent> LogoutAsync(HttpContext context, ILogger<AdminLog> logger)
    {
        await context.SignOutAsync(AdminAuthentication.CookieScheme);
        AdminLog.SignedOut(logger, context.Connection.RemoteIpAddress);
        return TypedResults.NoContent();
    }
}
