using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace TokenRouter.Cli;

/// <summary>A value the command line may set or clear: <c>--rpm 60</c> sets it, <c>--rpm none</c> clears it.</summary>
internal readonly record struct Clearable<T>(T? Value)
    where T : struct;

/// <summary>
/// The team fields a <c>team</c> command sends to the admin API; null means "not given, leave
/// as is". Written by hand rather than serialized, because a cleared limit must be sent as an
/// explicit JSON null while an absent one must not be sent at all.
/// </summary>
internal sealed record TeamFields
{
    public string? Name { get; init; }
    public long? Quota { get; init; }
    public string? Period { get; init; }
    public IReadOnlyList<string>? Models { get; init; }
    public Clearable<long>? Rpm { get; init; }
    public Clearable<long>? Tpm { get; init; }
    public Clearable<DateTimeOffset>? ExpiresAt { get; init; }
    public bool? Enabled { get; init; }

    /// <summary>The body of POST or PATCH /admin/api/teams, in the API's field names.</summary>
    public byte[] ToJson()
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            WriteIfGiven(json, "name", Name);
            if (Quota is { } quota)
            {
                json.WriteNumber("quota", quota);
            }

            WriteIfGiven(json, "period", Period);
            if (Models is not null)
            {
                json.WriteStartArray("models");
                foreach (var model in Models)
                {
                    json.WriteStringValue(model);
                }

                json.WriteEndArray();
            }

            WriteIfGiven(json, "rpm", Rpm);
            WriteIfGiven(json, "tpm", Tpm);
            if (ExpiresAt is { } expiresAt)
            {
                if (expiresAt.Value is { } time)
                {
                    json.WriteString("expires_at", time.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                }
                else
                {
                    json.WriteNull("expires_at");
                }
            }

            if (Enabled is { } enabled)
            {
                json.WriteBoolean("enabled", enabled);
            }

            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteIfGiven(Utf8JsonWriter json, string field, string? value)
    {
        if (value is not null)
        {
            json.WriteString(field, value);
        }
    }

    private static void WriteIfGiven(Utf8JsonWriter json, string field, Clearable<long>? value)
    {
        if (value is not { } given)
        {
            return;
        }

        if (given.Value is { } number)
        {
            json.WriteNumber(field, number);
        }
        else
        {
            json.WriteNull(field);
        }
    }
}
