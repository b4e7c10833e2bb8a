namespace TokenRouter.Tests.Infrastructure;

/// <summary>
/// The scripted answers of one path: a queue of one-time answers, used first in order,
/// then the standing answer (if any), then the fake upstream's default.
/// </summary>
public sealed class FakeRoute
{
    private readonly Lock _gate = new();
    private readonly Queue<FakeResponse> _once = new();
    private FakeResponse? _always;

    internal FakeRoute(string key)
    {
        Key = key;
    }

    /// <summary>The path below /v1 it answers, e.g. <c>/chat/completions</c>; <c>*</c> for every path.</summary>
    public string Key { get; }

    /// <summary>One-time answers not yet used.</summary>
    public int PendingOnce
    {
        get
        {
            lock (_gate)
            {
                return _once.Count;
            }
        }
    }

    /// <summary>Answers the next request(s) with these, one each, in order.</summary>
    public FakeRoute Once(params IEnumerable<FakeResponse> responses)
    {
        lock (_gate)
        {
            foreach (var response in responses)
            {
                _once.Enqueue(response);
            }
        }

        return this;
    }

    /// <summary>Answers every request (after the one-time answers run out) with this.</summary>
    public FakeRoute Always(FakeResponse response)
    {
        lock (_gate)
        {
            _always = response;
        }

        return this;
    }

    /// <summary>Drops the scripted answers: the path falls back to the default.</summary>
    public FakeRoute Clear()
    {
        lock (_gate)
        {
            _once.Clear();
            _always = null;
        }

        return this;
    }

    internal FakeResponse? Next()
    {
        lock (_gate)
        {
            return _once.TryDequeue(out var response) ? response : _always;
        }
    }
}
