namespace TokenRouter.Proxy;

/// <summary>Whether the provider answered the last time TokenRouter tried it; read by /readyz.</summary>
internal sealed class ProviderHealth(TimeProvider clock)
{
    private volatile Observation? _last;

    public Observation? Last => _last;

    public void Reached() => _last = new Observation(true, clock.GetUtcNow());

    public void Unreachable() => _last = new Observation(false, clock.GetUtcNow());

    internal sealed record Observation(bool Reachable, DateTimeOffset At);
}
