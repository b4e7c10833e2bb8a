using System.ComponentModel;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using TokenRouter.Quota;
using TokenRouter.Storage;

namespace TokenRouter.Admin;

/// <summary>The body of POST /admin/api/teams, as documented; <see cref="TeamRequests"/> reads it.</summary>
internal sealed record CreateTeamRequest(
    [property: Description("1 to 64 characters, unique, no control or invisible format characters.")] string Name,
    [property: Description("Tokens per period, 0 or more.")] long Quota,
    [property: Description("none (default), daily, weekly or monthly.")] string? Period = null,
    [property: Description("A subset of ALLOWED_MODELS; empty or absent for all.")] IReadOnlyList<string>? Models = null,
    [property: Description("Requests per minute, positive; null for no limit.")] int? Rpm = null,
    [property: Description("Tokens per minute, positive; null for no limit.")] long? Tpm = null,
    [property: Description("ISO 8601 time after which the token stops working; null for never.")]
    DateTimeOffset? ExpiresAt = null,
    bool Enabled = true);

/// <summary>The body of PATCH /admin/api/teams/{id}: any of the fields; an explicit null clears rpm, tpm, expires_at.</summary>
internal sealed record UpdateTeamRequest(
    string? Name = null,
    long? Quota = null,
    string? Period = null,
    IReadOnlyList<string>? Models = null,
    int? Rpm = null,
    long? Tpm = null,
    DateTimeOffset? ExpiresAt = null,
    bool? Enabled = null);

/// <summary>
/// Reads and validates a team body field by field, so that every failure names its field,
/// and so that PATCH can tell an absent field from an explicit null.
/// </summary>
internal static class TeamRequests
{
    public static readonly IReadOnlyList<string> Fields =
        ["name", "quota", "period", "models", "rpm", "tpm", "expires_at", "enabled"];

    /// <summary>Reads the fields present in <paramref name="body"/>; null when all are valid.</summary>
    public static JsonHttpResult<AdminError>? TryRead(
        JsonElement body, IReadOnlyList<string> allowedModels, out TeamChanges changes)
    {
        changes = new TeamChanges();
        foreach (var field in body.EnumerateObject())
        {
            var error = Apply(field.Name, field.Value, allowedModels, ref changes);
            if (error is not null)
            {
                return error;
            }
        }

        return null;
    }

    /// <summary>Turns validated fields into a new team; name and quota must be present.</summary>
    public static JsonHttpResult<AdminError>? TryCreate(
        TeamChanges fields, string tokenHash, string tokenPrefix, out NewTeam? team)
    {
        team = null;
        if (fields.Name is null)
        {
            return AdminErrors.Invalid("name", "A team needs a name.", "missing_field");
        }

        if (fields.Quota is null)
        {
            return AdminErrors.Invalid("quota", "A team needs a quota (a whole number of tokens, 0 or more).", "missing_field");
        }

        team = new NewTeam(fields.Name, fields.Quota.Value, tokenHash, tokenPrefix)
        {
            Period = fields.Period ?? QuotaPeriod.None,
            Models = fields.Models ?? [],
            RequestsPerMinute = fields.RequestsPerMinute,
            TokensPerMinute = fields.TokensPerMinute,
            ExpiresAt = fields.ExpiresAt,
            Enabled = fields.Enabled ?? true,
        };
        return null;
    }

    private static JsonHttpResult<AdminError>? Apply(
        string field, JsonElement value, IReadOnlyList<string> allowedModels, ref TeamChanges changes)
    {
        switch (field)
        {
            case "name":
                if (!TryReadName(value, out var name, out var problem))
                {
                    return AdminErrors.Invalid(field, problem);
                }

                changes = changes with { Name = name };
                return null;

            case "quota":
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var quota) || quota < 0)
                {
                    return AdminErrors.Invalid(field, "quota must be a whole number of tokens, 0 or more.");
                }

                changes = changes with { Quota = quota };
                return null;

            case "period":
                if (value.ValueKind != JsonValueKind.String || !PeriodNames.TryParse(value.GetString(), out var period))
                {
                    return AdminErrors.Invalid(field, "period must be one of: none, daily, weekly, monthly.");
                }

                changes = changes with { Period = period };
                return null;

            case "models":
                if (!TryReadModels(value, allowedModels, out var models, out problem))
                {
                    return AdminErrors.Invalid(field, problem);
                }

                changes = changes with { Models = models };
                return null;

            case "rpm":
                if (value.ValueKind == JsonValueKind.Null)
                {
                    changes = changes with { RequestsPerMinute = null, ClearRequestsPerMinute = true };
                    return null;
                }

                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var rpm) || rpm <= 0 || rpm > TeamRateLimits.MaxLimit)
                {
                    return AdminErrors.Invalid(field,
                        $"rpm must be a whole number of requests per minute from 1 to {TeamRateLimits.MaxLimitText}, or null.");
                }

                changes = changes with { RequestsPerMinute = rpm, ClearRequestsPerMinute = false };
                return null;

            case "tpm":
                if (value.ValueKind == JsonValueKind.Null)
                {
                    changes = changes with { TokensPerMinute = null, ClearTokensPerMinute = true };
                    return null;
                }

                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt64(out var tpm) || tpm is <= 0 or > TeamRateLimits.MaxLimit)
                {
                    return AdminErrors.Invalid(field,
                        $"tpm must be a whole number of tokens per minute from 1 to {TeamRateLimits.MaxLimitText}, or null.");
                }

                changes = changes with { TokensPerMinute = tpm, ClearTokensPerMinute = false };
                return null;

            case "expires_at":
                if (value.ValueKind == JsonValueKind.Null)
                {
                    changes = changes with { ExpiresAt = null, ClearExpiresAt = true };
                    return null;
                }

                if (value.ValueKind != JsonValueKind.String || !IsoTime.TryParse(value.GetString(), out var expiresAt))
                {
                    return AdminErrors.Invalid(field,
                        "expires_at must be an ISO 8601 date and time (e.g. 2030-01-31T00:00:00Z), or null.");
                }

                changes = changes with { ExpiresAt = expiresAt, ClearExpiresAt = false };
                return null;

            case "enabled":
                if (value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                {
                    return AdminErrors.Invalid(field, "enabled must be true or false.");
                }

                changes = changes with { Enabled = value.GetBoolean() };
                return null;

            default:
                return AdminErrors.Invalid(field,
                    $"Unknown field '{field}'. Team fields are: {string.Join(", ", Fields)}.", "unknown_field");
        }
    }

    private static bool TryReadName(JsonElement value, out string name, out string problem)
    {
        name = "";
        if (value.ValueKind != JsonValueKind.String)
        {
            problem = "name must be a string.";
            return false;
        }

        name = value.GetString()!.Trim();
        problem = TeamNames.Check(name) ?? "";
        return problem.Length == 0;
    }

    private static bool TryReadModels(
        JsonElement value, IReadOnlyList<string> allowedModels, out IReadOnlyList<string> models, out string problem)
    {
        models = [];
        if (value.ValueKind == JsonValueKind.Null)
        {
            problem = "";
            return true;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            problem = "models must be an array of model names.";
            return false;
        }

        var chosen = new List<string>();
        foreach (var item in value.EnumerateArray())
        {
            var requested = item.ValueKind == JsonValueKind.String ? item.GetString() : null;
            var configured = allowedModels.FirstOrDefault(m => string.Equals(m, requested, StringComparison.OrdinalIgnoreCase));
            if (configured is null)
            {
                problem = requested is null
                    ? "models must be an array of model names."
                    : $"'{requested}' is not in ALLOWED_MODELS ({string.Join(", ", allowedModels)}).";
                return false;
            }

            if (!chosen.Contains(configured))
            {
                chosen.Add(configured);
            }
        }

        models = chosen;
        problem = "";
        return true;
    }
}
