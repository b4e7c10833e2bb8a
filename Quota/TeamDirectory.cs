using System.Collections.Concurrent;
using System.Security.Cryptography;
using TokenRouter.Storage;

namespace TokenRouter.Quota;

/// <summary>
/// The teams in memory, found by token hash on every request. Loaded from the books at
/// start; the admin API keeps it in step with every change it makes.
/// </summary>
internal sealed class TeamDirectory(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, TeamAccount> _byHash = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<long, TeamAccount> _byId = new();

    public void Load(IEnumerable<Team> teams)
    {
        _byHash.Clear();
        _byId.Clear();
        foreach (var team in teams)
        {
            Add(team);
        }
    }

    /// <summary>Finds the account whose token hashes to <paramref name="tokenHash"/>.</summary>
    public TeamAccount? FindByTokenHash(string tokenHash)
    {
        if (!_byHash.TryGetValue(tokenHash, out var account))
        {
            return null;
        }

        // The dictionary already matched on a hash the caller cannot steer; the fixed-time
        // comparison keeps the final check free of early exits all the same.
        var stored = account.Team.TokenHash;
        return CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(stored),
            System.Text.Encoding.ASCII.GetBytes(tokenHash)) ? account : null;
    }

    public TeamAccount? Find(long id) => _byId.GetValueOrDefault(id);

    public IEnumerable<TeamAccount> All => _byId.Values;

    public TeamAccount Add(Team team)
    {
        var account = new TeamAccount(team, clock);
        _byId[team.Id] = account;
        _byHash[team.TokenHash] = account;
        return account;
    }

    /// <summary>Applies a policy change (name, quota, limits, token) but not the counters.</summary>
    public void ApplyPolicy(Team team)
    {
        if (!_byId.TryGetValue(team.Id, out var account))
        {
            Add(team);
            return;
        }

        var oldHash = account.Team.TokenHash;
        account.ApplyPolicy(team);
        if (oldHash != team.TokenHash)
        {
            _byHash[team.TokenHash] = account;
            _byHash.TryRemove(new KeyValuePair<string, TeamAccount>(oldHash, account));
        }
    }

    public void ApplyReset(Team team) => Find(team.Id)?.ApplyReset(team);

    public void Remove(long id)
    {
        if (_byId.TryRemove(id, out var account))
        {
            _byHash.TryRemove(new KeyValuePair<string, TeamAccount>(account.Team.TokenHash, account));
        }
    }
}
