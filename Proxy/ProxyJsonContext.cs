using System.Text.Json.Serialization;

namespace TokenRouter.Proxy;

/// <summary>Source-generated JSON for the few shapes the proxy writes itself.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(ModelList))]
[JsonSerializable(typeof(ModelObject))]
[JsonSerializable(typeof(TeamStanding))]
[JsonSerializable(typeof(BillingSubscription))]
[JsonSerializable(typeof(BillingUsage))]
internal sealed partial class ProxyJsonContext : JsonSerializerContext;

internal sealed record ModelObject(string Id, string Object, long Created, string OwnedBy);

internal sealed record ModelList(string Object, IReadOnlyList<ModelObject> Data);
