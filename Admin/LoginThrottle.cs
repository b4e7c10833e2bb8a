using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http.HttpResults;

namespace TokenRouter.Admin;

/// <summary>
/// Wrong admin passwords per client address: each one is answered more slowly, and an address
/// with <see cref="AllowedFailures"/> failures in the last <see cref="Window"/> is locked out,
/// whatever it sends, until the oldest of them is a full window old. Serves the login form and
/// the Bearer password alike.
/// </summary>
/// <remarks>
/// The window slides: it keeps the time of each failure, so no more than
/// <see cref="AllowedFailures"/> guesses fit in any <see cref="Window"/> (a fixed window would
/// let five through at its end and five more at the start of the next). The count and the check
/// happen under one lock, so parallel guesses cannot slip past it; once locked out, every
/// attempt, right or wrong, gets 429 with the real time left, and the guesser learns nothing more.
/// </remarks>
internal sealed class LoginThrottle(ILogger<AdminLog> logger, TimeProvider clock)
{
    public const int AllowedFailures = 5;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan DelayStep = TimeSpan.FromMilliseconds(250);

    // Past this many addresses, the ones whose failures have all aged out are dropped.
    private const int SweepAbove = 1024;

    private readonly Lock _gate = new();
    private readonly Dictionary<IPAddress, Queue<DateTimeOffset>> _failures = [];

    /// <summary>
    /// Judges one attempt from the request's client: null lets it in, otherwise the 401 or the
    /// 429 to answer with (its Retry-After header is already set on the response).
    /// </summary>
    public async Task<JsonHttpResult<AdminError>?> JudgeAsync(HttpContext context, bool passwordMatches)
    {
        var client = context.Connection.RemoteIpAddress;
        var (failures, lockedFor) = Count(PartitionKey(client), passwordMatches);
        if (lockedFor is { } wait)
        {
            return LockedOut(context, wait);
        }

        if (passwordMatches)
        {
            return null;
        }

        AdminLog.WrongPassword(logger, client, failures, AllowedFailures);
        if (failures >= AllowedFailures)
        {
            AdminLog.LockedOut(logger, client, (int)Window.TotalSeconds);
        }

        // Each wrong password in the window costs the next answer a little more time.
        await Task.Delay(DelayStep * failures, context.RequestAborted);
        return AdminErrors.WrongPassword();
    }

    /// <summary>
    /// Forgets the failures that have left the window, then either says how long the address is
    /// still locked out, or (for a wrong password) records one more failure and returns the count.
    /// </summary>
    private (int Failures, TimeSpan? LockedFor) Count(IPAddress key, bool passwordMatches)
    {
        var now = clock.GetUtcNow();
        lock (_gate)
        {
            if (!_failures.TryGetValue(key, out var times))
            {
                if (passwordMatches)
                {
                    return (0, null);
                }

                Sweep(now);
                times = new Queue<DateTimeOffset>(AllowedFailures);
                _failures[key] = times;
            }

            while (times.TryPeek(out var oldest) && oldest + Window <= now)
            {
                times.Dequeue();
            }

            if (times.Count >= AllowedFailures)
            {
                return (times.Count, times.Peek() + Window - now);
            }

            if (!passwordMatches)
            {
                times.Enqueue(now);
            }

            return (times.Count, null);
        }
    }

    private void Sweep(DateTimeOffset now)
    {
        if (_failures.Count < SweepAbove)
        {
            return;
        }

        foreach (var (address, times) in _failures)
        {
            if (times.Count == 0 || times.Last() + Window <= now)
            {
                _failures.Remove(address);
            }
        }
    }

    private JsonHttpResult<AdminError> LockedOut(HttpContext context, TimeSpan retryAfter)
    {
        AdminLog.StillLockedOut(logger, context.Connection.RemoteIpAddress);
        var seconds = Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds));
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return AdminErrors.LockedOut(TimeSpan.FromSeconds(seconds));
    }

    /// <summary>
    /// One partition per IPv4 address, and per /64 for IPv6, since a single IPv6 host
    /// usually holds a whole /64 and could otherwise pick a fresh address for every guess.
    /// </summary>
    internal static IPAddress PartitionKey(IPAddress? client)
    {
        if (client is null)
        {
            return IPAddress.None;
        }

        if (client.IsIPv4MappedToIPv6)
        {
            return client.MapToIPv4();
        }

        if (client.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return client;
        }

        var bytes = client.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes);
    }
}
