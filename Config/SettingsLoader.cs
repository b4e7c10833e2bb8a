namespace TokenRouter.Config;

/// <summary>
/// Turns the layered sources (env file &lt; environment &lt; command line) into
/// <see cref="RouterSettings"/>, one line per setting, in the order the example file lists them.
/// </summary>
internal static class SettingsLoader
{
    /// <summary>Reads and checks every setting.</summary>
    /// <param name="requireProviderKey">
    /// False for commands that only talk to a running server or its database, which need no key.
    /// </param>
    /// <exception cref="SettingsException">Any setting is missing or malformed; every problem is listed.</exception>
    public static RouterSettings Load(SettingsSource source, bool requireProviderKey = true)
    {
        var read = new SettingReader(source);
        var defaults = new RouterSettings { ProviderApiKey = string.Empty };

        var providerKey = read.Secret(SettingKeys.ProviderApiKey, fallback: null);
        var settings = new RouterSettings
        {
            EnvFilePath = source.EnvFile.FullPath,
            ProviderApiKey = providerKey ?? string.Empty,
            ProviderBaseUrl = read.HttpUrl(SettingKeys.ProviderBaseUrl, defaults.ProviderBaseUrl, asBase: true)!,
            AllowedModels = read.Names(SettingKeys.AllowedModels),
            AdminPassword = read.Secret(SettingKeys.AdminPassword, defaults.AdminPassword)!,
            Host = read.Host(SettingKeys.Host, defaults.Host),
            Port = read.Integer(SettingKeys.Port, defaults.Port, min: 0, max: 65535),
            DatabasePath = read.FilePath(SettingKeys.DatabasePath, defaults.DatabasePath),
            MaxRequestBodyBytes = MiB(read.Integer(
                SettingKeys.MaxRequestBodyMb, (int)(defaults.MaxRequestBodyBytes / MiB(1)), min: 1, max: 4096)),
            UpstreamIdleTimeout = TimeSpan.FromSeconds(read.Integer(
                SettingKeys.UpstreamIdleTimeoutSeconds,
                (int)defaults.UpstreamIdleTimeout.TotalSeconds,
                min: 1,
                max: 86_400)),
            ForwardUnknownEndpoints = read.Boolean(
                SettingKeys.ForwardUnknownEndpoints, defaults.ForwardUnknownEndpoints),
            DefaultCompletionAllowance = read.Integer(
                SettingKeys.DefaultCompletionAllowance,
                (int)defaults.DefaultCompletionAllowance,
                min: 1,
                max: 10_000_000),
            QuotaTimeZone = read.TimeZone(SettingKeys.QuotaTimeZone),
            AlertWebhookUrl = read.HttpUrl(SettingKeys.AlertWebhookUrl, fallback: null, asBase: false),
            LogRetentionDays = read.Integer(
                SettingKeys.LogRetentionDays, defaults.LogRetentionDays, min: 0, max: 36_500),
            ShutdownGrace = TimeSpan.FromSeconds(read.Integer(
                SettingKeys.ShutdownGraceSeconds, (int)defaults.ShutdownGrace.TotalSeconds, min: 0, max: 3600)),
            TrustedProxies = read.Addresses(SettingKeys.TrustedProxies),
        };

        var problems = read.Problems.ToList();
        if (requireProviderKey && source.Get(SettingKeys.ProviderApiKey) is null)
        {
            problems.Insert(0, MissingProviderKey(source.EnvFile.FullPath));
        }

        return problems.Count > 0 ? throw new SettingsException(problems) : settings;
    }

    /// <summary>The one line shown when no key is configured and nobody can be asked for one.</summary>
    public static string MissingProviderKey(string envFilePath) =>
        $"{SettingKeys.ProviderApiKey} is not set: add {SettingKeys.ProviderApiKey}=<your provider's API key> " +
        $"to {envFilePath} (or set it in the environment), or start tokenrouter in a terminal to be asked for it.";

    private static long MiB(int megabytes) => megabytes * 1024L * 1024L;
}
