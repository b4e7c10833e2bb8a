namespace TokenRouter.Quota;

/// <summary>
/// A one-minute sliding window of permits, kept as twelve five-second segments on the given
/// clock. Because it knows what each segment holds, it can say exactly when enough permits
/// leave the window for a request to fit. Not thread-safe: the owner holds a lock.
/// </summary>
/// <remarks>
/// NOTE: System.Threading.RateLimiting's SlidingWindowRateLimiter was used before. It only ever
/// reports one segment's length as its Retry-After, counts permits as int and replenishes on its
/// own timer, so neither a truthful Retry-After nor a test with a controllable clock was possible.
/// </remarks>
internal sealed class SlidingWindow
{
    public static readonly TimeSpan Length = TimeSpan.FromMinutes(1);
    private const int Segments = 12; // frees up smoothly, not all at once
    private static readonly long SegmentTicks = Length.Ticks / Segments;

    private readonly TimeProvider _clock;
    private readonly long[] _taken = new long[Segments]; // indexed by segment number modulo Segments
    private long _segment; // the newest segment number the window has moved to
    private long _held; // the sum of _taken

    public SlidingWindow(long limit, TimeProvider clock)
    {
        Limit = limit;
        _clock = clock;
        _segment = SegmentAt(clock.GetUtcNow());
    }

    public long Limit { get; }

    /// <summary>Permits that may be taken right now.</summary>
    public long Available
    {
        get
        {
            MoveToNow();
            return Limit - _held;
        }
    }

    /// <summary>Takes <paramref name="permits"/> in the current segment; the caller checked they fit.</summary>
    public void Take(long permits)
    {
        MoveToNow();
        _taken[_segment % Segments] += permits;
        _held += permits;
    }

    /// <summary>
    /// How long until <paramref name="permits"/> fit, if nothing else is taken meanwhile: the
    /// moment the oldest segments holding enough of what is in the window have left it. Zero
    /// when they fit now; the caller never asks for more than <see cref="Limit"/>.
    /// </summary>
    public TimeSpan WaitFor(long permits)
    {
        var now = _clock.GetUtcNow();
        MoveTo(SegmentAt(now));
        var missing = permits - (Limit - _held);
        for (var segment = _segment - Segments + 1; segment <= _segment && missing > 0; segment++)
        {
            missing -= _taken[segment % Segments];
            if (missing <= 0)
            {
                // Segment n is in the window until segment n + Segments begins.
                var leaves = new DateTimeOffset((segment + Segments) * SegmentTicks, TimeSpan.Zero);
                return leaves - now;
            }
        }

        return TimeSpan.Zero;
    }

    private static long SegmentAt(DateTimeOffset time) => time.UtcTicks / SegmentTicks;

    private void MoveToNow() => MoveTo(SegmentAt(_clock.GetUtcNow()));

    /// <summary>Lets every segment that has left the window give its permits back.</summary>
    private void MoveTo(long segment)
    {
        if (segment <= _segment)
        {
            return;
        }

        var leaving = Math.Min(segment - _segment, Segments);
        for (var step = 1; step <= leaving; step++)
        {
            var slot = (_segment + step) % Segments;
            _held -= _taken[slot];
            _taken[slot] = 0;
        }

        _segment = segment;
    }
}
