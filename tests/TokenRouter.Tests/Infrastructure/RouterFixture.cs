using TokenRouter.Config;

namespace TokenRouter.Tests.Infrastructure;

/// <summary>
/// A fake upstream and a router pointed at it, the fake requiring the router's provider key.
/// Use it per test (<c>await using var env = await RouterFixture.StartAsync();</c>) or per
/// test class (<c>IClassFixture&lt;RouterFixture&gt;</c>; then call <see cref="ResetUpstream"/>
/// at the start of each test and give each test its own team).
/// </summary>
/// <remarks>
/// For a class fixture with other settings, derive from it:
/// <c>public sealed class ShortIdleFixture() : RouterFixture(s => s with { UpstreamIdleTimeout = ... });</c>
/// </remarks>
public class RouterFixture : IAsyncLifetime, IAsyncDisposable
{
    private readonly Func<RouterSettings, RouterSettings>? _configure;
    private readonly TimeProvider? _clock;
    private FakeUpstream? _upstream;
    private RouterServer? _router;

    public RouterFixture()
    {
    }

    private protected RouterFixture(Func<RouterSettings, RouterSettings>? configure, TimeProvider? clock = null)
    {
        _configure = configure;
        _clock = clock;
    }

    public FakeUpstream Upstream => _upstream ?? throw NotStarted();

    public RouterServer Router => _router ?? throw NotStarted();

    /// <summary>Starts a fake upstream and a router; <paramref name="configure"/> edits the settings.</summary>
    internal static async Task<RouterFixture> StartAsync(
        Func<RouterSettings, RouterSettings>? configure = null, TimeProvider? clock = null)
    {
        var fixture = new RouterFixture(configure, clock);
        await fixture.InitializeAsync();
        return fixture;
    }

    /// <summary>Forgets the upstream's requests and scripts (the provider-key check stays).</summary>
    public void ResetUpstream() => Upstream.Reset();

    public async Task InitializeAsync()
    {
        _upstream = await FakeUpstream.StartAsync();
        _upstream.RequiredApiKey = RouterServer.ProviderApiKey;
        try
        {
            _router = await RouterServer.StartAsync(_upstream.BaseUrl, _configure, _clock);
        }
        catch
        {
            await _upstream.DisposeAsync();
            _upstream = null;
            throw;
        }
    }

    async Task IAsyncLifetime.DisposeAsync() => await DisposeAsync();

    public async ValueTask DisposeAsync()
    {
        if (_router is not null)
        {
            await _router.DisposeAsync();
            _router = null;
        }

        if (_upstream is not null)
        {
            await _upstream.DisposeAsync();
            _upstream = null;
        }

        GC.SuppressFinalize(this);
    }

    private static InvalidOperationException NotStarted() => new("The fixture has not started.");
}
