using System.Net;

namespace TokenRouter.Admin;

/// <summary>
/// The admin area's log lines (event ids 5000-5099). Client addresses are logged for failed
/// sign-ins; passwords and tokens never are.
/// </summary>
internal sealed partial class AdminLog
{
    private AdminLog()
    {
    }

    [LoggerMessage(5000, LogLevel.Warning,
        "Wrong admin password from {ClientAddress} ({Failures} of {Allowed} allowed in the lockout window).")]
    public static partial void WrongPassword(ILogger logger, IPAddress? clientAddress, int failures, int allowed);

    [LoggerMessage(5001, LogLevel.Warning,
        "Admin sign-in from {ClientAddress} locked out for {RetryAfterSeconds} s after repeated wrong passwords.")]
    public static partial void LockedOut(ILogger logger, IPAddress? clientAddress, int retryAfterSeconds);

    [LoggerMessage(5002, LogLevel.Debug, "Admin sign-in from {ClientAddress} refused: still locked out.")]
    public static partial void StillLockedOut(ILogger logger, IPAddress? clientAddress);

    [LoggerMessage(5003, LogLevel.Information, "Admin signed in from {ClientAddress}.")]
    public static partial void SignedIn(ILogger logger, IPAddress? clientAddress);

    [LoggerMessage(5005, LogLevel.Information, "Admin signed out from {ClientAddress}.")]
    public static partial void SignedOut(ILogger logger, IPAddress? clientAddress);

    [LoggerMessage(5004, LogLevel.Warning, "Admin request from {ClientAddress} refused: missing or invalid CSRF token.")]
    public static partial void CsrfRefused(ILogger logger, IPAddress? clientAddress);

    [LoggerMessage(5006, LogLevel.Warning, "Admin request from {ClientAddress} refused: sent from another site.")]
    public static partial void CrossSiteRefused(ILogger logger, IPAddress? clientAddress);

    [LoggerMessage(5010, LogLevel.Information, "Team {TeamName} (id {TeamId}) created with a quota of {Quota} tokens.")]
    public static partial void TeamCreated(ILogger logger, string teamName, long teamId, long quota);

    [LoggerMessage(5011, LogLevel.Information, "Team {TeamName} (id {TeamId}) updated.")]
    public static partial void TeamUpdated(ILogger logger, string teamName, long teamId);

    [LoggerMessage(5012, LogLevel.Information, "Team {TeamId} deleted.")]
    public static partial void TeamDeleted(ILogger logger, long teamId);

    [LoggerMessage(5013, LogLevel.Information, "Usage of team {TeamName} (id {TeamId}) reset by {By}.")]
    public static partial void TeamReset(ILogger logger, string teamName, long teamId, string by);

    [LoggerMessage(5014, LogLevel.Information, "Token of team {TeamName} (id {TeamId}) rotated.")]
    public static partial void TokenRotated(ILogger logger, string teamName, long teamId);

    [LoggerMessage(5015, LogLevel.Warning, "Admin {Method} {Path} refused: the database cannot be used right now.")]
    public static partial void StorageUnavailable(ILogger logger, string method, PathString path);
}
