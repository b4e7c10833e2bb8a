using TokenRouter.Config;
using TokenRouter.Storage;

namespace TokenRouter.Proxy;

/// <summary>
/// The provider's models teams may use (ALLOWED_MODELS), matched case-insensitively; the
/// configured spelling is what the provider receives.
/// </summary>
internal sealed class ModelCatalog(RouterSettings settings)
{
    private readonly Dictionary<string, string> _bySpelling =
        settings.AllowedModels.ToDictionary(m => m, m => m, StringComparer.OrdinalIgnoreCase);

    /// <summary>The configured spelling of <paramref name="requested"/> if the team may use it.</summary>
    public string? Resolve(string requested, Team team)
    {
        if (!_bySpelling.TryGetValue(requested, out var configured))
        {
            return null;
        }

        return team.Models.Count == 0 || team.Models.Contains(configured, StringComparer.OrdinalIgnoreCase)
            ? configured
            : null;
    }

    /// <summary>The models a team sees in /v1/models: all allowed ones, or its own subset.</summary>
    public IEnumerable<string> VisibleTo(Team team) =>
        team.Models.Count == 0
            ? settings.AllowedModels
            : settings.AllowedModels.Where(m => team.Models.Contains(m, StringComparer.OrdinalIgnoreCase));
}
