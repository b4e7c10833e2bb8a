using System.Text.Json.Serialization;

namespace TokenRouter.Cli;

/// <summary>Source-generated JSON for the admin API client: no reflection, safe for native AOT.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(TeamView))]
[JsonSerializable(typeof(List<TeamView>))]
[JsonSerializable(typeof(DeletedTeam))]
[JsonSerializable(typeof(ApiErrorBody))]
internal sealed partial class CliJsonContext : JsonSerializerContext;
