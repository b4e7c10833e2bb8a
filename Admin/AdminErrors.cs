using Microsoft.AspNetCore.Http.HttpResults;

namespace TokenRouter.Admin;

/// <summary>The error body of every admin API failure: OpenAI's shape, so one client parser fits both APIs.</summary>
internal sealed record AdminError(AdminErrorDetail Error);

internal sealed record AdminErrorDetail(string Message, string Type, string? Param, string Code);

/// <summary>The admin API's failures, each with its status code, written through the admin JSON context.</summary>
internal static class AdminErrors
{
    public static JsonHttpResult<AdminError> Invalid(string? param, string message, string code = "invalid_value") =>
        Write(StatusCodes.Status400BadRequest, "invalid_request_error", param, message, code);

    public static JsonHttpResult<AdminError> NotFound(string what) =>
        Write(StatusCodes.Status404NotFound, "invalid_request_error", null, $"No {what} with that id.", "not_found");

    public static JsonHttpResult<AdminError> UnknownEndpoint() =>
        Write(StatusCodes.Status404NotFound, "invalid_request_error", null, "No such admin API endpoint.", "not_found");

    public static JsonHttpResult<AdminError> MethodNotAllowed(string method, IEnumerable<string> allowed) =>
        Write(StatusCodes.Status405MethodNotAllowed, "invalid_request_error", null,
            $"This admin API endpoint does not take {method}; it takes {string.Join(", ", allowed)}.", "method_not_allowed");

    public static JsonHttpResult<AdminError> TooManyAttempts() =>
        Write(StatusCodes.Status429TooManyRequests, "rate_limit_error", null,
            "Too many sign-in attempts from your address. Wait a minute and try again.", "too_many_attempts");

    public static JsonHttpResult<AdminError> DuplicateName(string name) =>
        Write(StatusCodes.Status409Conflict, "invalid_request_error", "name",
            $"A team named '{name}' already exists.", "duplicate_name");

    public static JsonHttpResult<AdminError> NotAuthenticated() =>
        Write(StatusCodes.Status401Unauthorized, "authentication_error", null,
            "Sign in to the admin panel or send 'Authorization: Bearer <ADMIN_PASSWORD>'.", "not_authenticated");

    public static JsonHttpResult<AdminError> WrongPassword() =>
        Write(StatusCodes.Status401Unauthorized, "authentication_error", "password",
            "Wrong admin password.", "invalid_password");

    public static JsonHttpResult<AdminError> CsrfRefused() =>
        Write(StatusCodes.Status403Forbidden, "permission_error", null,
            "Missing or invalid X-CSRF-TOKEN header: reload the admin panel and try again.", "csrf_failed");

    public static JsonHttpResult<AdminError> CrossSiteRefused() =>
        Write(StatusCodes.Status403Forbidden, "permission_error", null,
            "Admin calls are accepted only from the admin panel's own origin.", "cross_site_request");

    public static JsonHttpResult<AdminError> NotJson() =>
        Write(StatusCodes.Status415UnsupportedMediaType, "invalid_request_error", null,
            "Send the request body as JSON, with 'Content-Type: application/json'.", "unsupported_media_type");

    public static JsonHttpResult<AdminError> LockedOut(TimeSpan retryAfter) =>
        Write(StatusCodes.Status429TooManyRequests, "rate_limit_error", null,
            $"Too many wrong admin passwords from your address. Try again in {Describe(retryAfter)}.",
            "too_many_attempts");

    public static JsonHttpResult<AdminError> TooLarge() =>
        Write(StatusCodes.Status413PayloadTooLarge, "invalid_request_error", null,
            "The request body is too large.", "body_too_large");

    public static JsonHttpResult<AdminError> StorageUnavailable() =>
        Write(StatusCodes.Status503ServiceUnavailable, "server_error", null,
            "TokenRouter cannot use its database right now, so nothing was changed. Try again shortly.",
            "service_unavailable");

    /// <summary>Writes an error outside an endpoint (authentication events, middleware).</summary>
    public static Task WriteAsync(HttpContext context, JsonHttpResult<AdminError> error) => error.ExecuteAsync(context);

    /// <summary>A wait as a person would say it: "40 seconds", "1 minute", "3 minutes" (rounded up).</summary>
    internal static string Describe(TimeSpan wait)
    {
        if (wait < TimeSpan.FromMinutes(1))
        {
            var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            return seconds == 1 ? "1 second" : $"{seconds} seconds";
        }

        var minutes = (int)Math.Ceiling(wait.TotalMinutes);
        return minutes == 1 ? "1 minute" : $"{minutes} minutes";
    }

    private static JsonHttpResult<AdminError> Write(int status, string type, string? param, string message, string code) =>
        TypedResults.Json(new AdminError(new AdminErrorDetail(message, type, param, code)),
            AdminJsonContext.Default.AdminError, statusCode: status);
}
