using System.Text.Json.Serialization;
using TokenRouter.Proxy;
using TokenRouter.Storage;

namespace TokenRouter.Hosting;

/// <summary>
/// /healthz: the process is up. /readyz: the books can be written and the provider answered
/// when last tried. Both are cheap, need no credentials and say nothing secret.
/// </summary>
internal static class HealthEndpoints
{
    public static WebApplication MapHealth(this WebApplication app)
    {
        app.MapGet("/healthz", () => TypedResults.Json(new HealthReport("ok", null, null), HealthJsonContext.Default.HealthReport));
        app.MapGet("/readyz", (IBooks books, ProviderHealth provider) =>
        {
            var last = provider.Last;
            var providerState = last is null ? "not_tried" : last.Reachable ? "reachable" : "unreachable";
            var ready = books.IsWritable && last is not { Reachable: false };
            var report = new HealthReport(ready ? "ready" : "not_ready", books.IsWritable ? "writable" : "failing", providerState);
            return TypedResults.Json(report, HealthJsonContext.Default.HealthReport,
                statusCode: ready ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        return app;
    }
}

internal sealed record HealthReport(string Status, string? Database, string? Provider);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(HealthReport))]
internal sealed partial class HealthJsonContext : JsonSerializerContext;
