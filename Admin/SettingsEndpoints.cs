using System.Reflection;
using Microsoft.AspNetCore.Http.HttpResults;
using TokenRouter.Config;

namespace TokenRouter.Admin;

/// <summary>
/// What the settings page shows. Never the provider key, the admin password, or credentials written
/// into PROVIDER_BASE_URL (shown as ***).
/// </summary>
internal sealed record SettingsView(
    Uri ProviderBaseUrl,
    IReadOnlyList<string> AllowedModels,
    string DatabasePath,
    long DatabaseSizeBytes,
    string Version,
    long UptimeSeconds,
    bool DefaultPassword,
    string QuotaTimeZone);

internal static class SettingsEndpoints
{
    public static void MapSettings(this RouteGroupBuilder api, TimeProvider clock)
    {
        // The uptime counts from when the server was built, which is when it starts serving.
        var started = clock.GetTimestamp();
        api.MapGet("/settings", (RouterSettings settings) => Get(settings, clock.GetElapsedTime(started)))
            .WithTags("Settings")
            .WithSummary("The server's settings, read-only. Never the provider key.");
    }

    private static Ok<SettingsView> Get(RouterSettings settings, TimeSpan uptime)
    {
        var path = Path.GetFullPath(settings.DatabasePath);
        return TypedResults.Ok(new SettingsView(
            UrlCredentials.Hide(settings.ProviderBaseUrl),
            settings.AllowedModels,
            path,
            FileSize(path) + FileSize(path + "-wal"),
            Version,
            (long)uptime.TotalSeconds,
            settings.AdminPasswordIsDefault,
            settings.QuotaTimeZone.Id));
    }

    private static string Version { get; } = ReadVersion();

    private static string ReadVersion()
    {
        var informational = typeof(SettingsEndpoints).Assembly
            .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0";

        // The SDK appends "+<commit>" to the informational version; the panel shows the release.
        var plus = informational.IndexOf('+');
        return plus < 0 ? informational : informational[..plus];
    }

    private static long FileSize(string path)
    {
        var file = new FileInfo(path);
        return file.Exists ? file.Length : 0;
    }
}
