using System.Net;

namespace TokenRouter.Config;

/// <summary>
/// Every setting TokenRouter runs with, resolved from the env file and the environment
/// (the environment wins) and then from command-line options (which win over both).
/// </summary>
internal sealed record RouterSettings
{
    public const string DefaultAdminPassword = "admin123";
    public static readonly Uri DefaultProviderBaseUrl = new("https://api.openai.com/v1/");

    public string Host { get; init; } = "0.0.0.0";
    public int Port { get; init; } = 8000;
    public string DatabasePath { get; init; } = "tokenrouter.db";
    public string EnvFilePath { get; init; } = ".env";

    public required string ProviderApiKey { get; init; }

    /// <summary>The provider's API root, always ending in '/', e.g. https://api.openai.com/v1/.</summary>
    public Uri ProviderBaseUrl { get; init; } = DefaultProviderBaseUrl;

    /// <summary>The provider's models teams may use, in the configured spelling.</summary>
    public IReadOnlyList<string> AllowedModels { get; init; } = [];

    public string AdminPassword { get; init; } = DefaultAdminPassword;
    public bool AdminPasswordIsDefault => AdminPassword == DefaultAdminPassword;

    /// <summary>Largest request body accepted on /v1 (MAX_REQUEST_BODY_MB).</summary>
    public long MaxRequestBodyBytes { get; init; } = 32L * 1024 * 1024;

    /// <summary>
    /// Longest silence tolerated from the provider: before its response headers, and between
    /// two reads of its body (UPSTREAM_IDLE_TIMEOUT_SECONDS). There is no total-request timeout.
    /// </summary>
    public TimeSpan UpstreamIdleTimeout { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Forward /v1 paths TokenRouter does not know (FORWARD_UNKNOWN_ENDPOINTS).</summary>
    public bool ForwardUnknownEndpoints { get; init; }

    /// <summary>Completion tokens reserved for a request that states no output limit.</summary>
    public long DefaultCompletionAllowance { get; init; } = 4096;

    /// <summary>Time zone of quota period boundaries (QUOTA_TIME_ZONE, an IANA id; UTC by default).</summary>
    public TimeZoneInfo QuotaTimeZone { get; init; } = TimeZoneInfo.Utc;

    /// <summary>Where quota alerts are POSTed (ALERT_WEBHOOK_URL); null for none.</summary>
    public Uri? AlertWebhookUrl { get; init; }

    /// <summary>Request log rows older than this are pruned (LOG_RETENTION_DAYS, 0 keeps all).</summary>
    public int LogRetentionDays { get; init; } = 90;

    /// <summary>How long SIGTERM waits for in-flight requests (SHUTDOWN_GRACE_SECONDS).</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Reverse proxies whose X-Forwarded-* headers are believed (TRUSTED_PROXIES).</summary>
    public IReadOnlyList<IPAddress> TrustedProxies { get; init; } = [];
}
