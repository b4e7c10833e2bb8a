namespace TokenRouter.Config;

/// <summary>The names of the settings, as written in the env file and the environment.</summary>
internal static class SettingKeys
{
    public const string ProviderApiKey = "PROVIDER_API_KEY";
    public const string ProviderBaseUrl = "PROVIDER_BASE_URL";
    public const string AllowedModels = "ALLOWED_MODELS";
    public const string AdminPassword = "ADMIN_PASSWORD";
    public const string Host = "HOST";
    public const string Port = "PORT";
    public const string DatabasePath = "DATABASE_PATH";
    public const string MaxRequestBodyMb = "MAX_REQUEST_BODY_MB";
    public const string UpstreamIdleTimeoutSeconds = "UPSTREAM_IDLE_TIMEOUT_SECONDS";
    public const string ForwardUnknownEndpoints = "FORWARD_UNKNOWN_ENDPOINTS";
    public const string DefaultCompletionAllowance = "DEFAULT_COMPLETION_ALLOWANCE";
    public const string QuotaTimeZone = "QUOTA_TIME_ZONE";
    public const string AlertWebhookUrl = "ALERT_WEBHOOK_URL";
    public const string LogRetentionDays = "LOG_RETENTION_DAYS";
    public const string ShutdownGraceSeconds = "SHUTDOWN_GRACE_SECONDS";
    public const string TrustedProxies = "TRUSTED_PROXIES";
}
