using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;
using TokenRouter.Storage;

namespace TokenRouter.Admin;

/// <summary>
/// Who may use /admin/api: a caller with <c>Authorization: Bearer &lt;ADMIN_PASSWORD&gt;</c>, or a
/// browser with the session cookie from the login form. The "Admin" scheme picks one per request.
/// </summary>
internal static class AdminAuthentication
{
    public const string Scheme = "Admin";
    public const string BearerScheme = "AdminBearer";
    public const string CookieScheme = "AdminCookie";
    public const string Policy = "Admin";
    public const string CookieName = "tr_admin";
    public const string CsrfCookieName = "tr_csrf";
    public const string CsrfHeaderName = "X-CSRF-TOKEN";
    public static readonly TimeSpan SessionLifetime = TimeSpan.FromHours(8);
    private const string PasswordStampClaim = "tr_password_stamp";

    public static IServiceCollection AddAdminAuthentication(this IServiceCollection services)
    {
        services.AddSingleton<AdminPassword>();
        services.AddSingleton<LoginThrottle>();

        // No default scheme on purpose: the authentication middleware then leaves /v1 alone
        // (a team token must never be compared with the admin password, nor count as a failure).
        services.AddAuthentication()
            .AddPolicyScheme(Scheme, "Admin password or session", options =>
            {
                options.ForwardDefaultSelector = context =>
                    context.Request.Headers.Authorization.Count > 0 ? BearerScheme : CookieScheme;
            })
            .AddScheme<AuthenticationSchemeOptions, AdminPasswordHandler>(BearerScheme, null)
            .AddCookie(CookieScheme, options =>
            {
                options.Cookie.Name = CookieName;
                options.Cookie.Path = "/admin";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;

                // Secure when the request came over HTTPS, directly or (once forwarded headers
                // from trusted proxies are applied) through the reverse proxy.
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = SessionLifetime;
                options.SlidingExpiration = true;

                // An API answers with status codes, not with redirects to a login page.
                options.Events.OnRedirectToLogin = context =>
                    AdminErrors.WriteAsync(context.HttpContext, AdminErrors.NotAuthenticated());
                options.Events.OnRedirectToAccessDenied = context =>
                    AdminErrors.WriteAsync(context.HttpContext, AdminErrors.CsrfRefused());
                options.Events.OnValidatePrincipal = context =>
                {
                    var password = context.HttpContext.RequestServices.GetRequiredService<AdminPassword>();
                    if (context.Principal?.FindFirst(PasswordStampClaim)?.Value != password.SessionStamp)
                    {
                        context.RejectPrincipal();
                    }

                    return Task.CompletedTask;
                };
            });

        // Sessions live on the server, so that signing out ends them (see AdminSessionStore).
        services.AddSingleton<AdminSessionStore>();
        services.AddOptions<CookieAuthenticationOptions>(CookieScheme)
            .Configure<AdminSessionStore>((options, store) => options.SessionStore = store);

        services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy
            .AddAuthenticationSchemes(Scheme)
            .RequireAuthenticatedUser());

        services.AddAntiforgery(options =>
        {
            options.HeaderName = CsrfHeaderName;
            options.Cookie.Name = CsrfCookieName;
            options.Cookie.Path = "/admin";
            options.Cookie.SameSite = SameSiteMode.Strict;
            options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;

            // The security headers middleware sends X-Frame-Options: DENY on every admin response.
            options.SuppressXFrameOptionsHeader = true;
        });

        // Session and CSRF cookies are sealed with keys kept in the database (see
        // BooksKeyRepository). A fixed application name, not the default content root, so that
        // a binary moved or upgraded in place still reads the cookies it sealed before.
        services.AddDataProtection().SetApplicationName("TokenRouter");
        services.AddOptions<KeyManagementOptions>().Configure<IBooks>((options, books) =>
        {
            options.XmlRepository = new BooksKeyRepository(books);
            options.XmlEncryptor = new NullXmlEncryptor();
        });
        return services;
    }

    /// <param name="password">For a session cookie: the password it was opened with, whose stamp it carries.</param>
    public static ClaimsPrincipal CreatePrincipal(string scheme, AdminPassword? password = null)
    {
        List<Claim> claims = [new(ClaimTypes.NameIdentifier, "admin"), new(ClaimTypes.Name, "admin")];
        if (password is not null)
        {
            claims.Add(new Claim(PasswordStampClaim, password.SessionStamp));
        }

        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    /// <summary>True when the caller proved the password in this request rather than by cookie.</summary>
    public static bool IsBearer(ClaimsPrincipal user) => user.Identity?.AuthenticationType == BearerScheme;

    /// <summary>Who did it, for the reset history: the channel and the client address.</summary>
    public static string DescribeCaller(HttpContext context) =>
        $"{(IsBearer(context.User) ? "api" : "panel")} {context.Connection.RemoteIpAddress?.ToString() ?? "local"}";
}
