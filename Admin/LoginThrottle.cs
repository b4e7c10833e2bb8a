using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace TokenRouter.Admin;

/// <summary>
/// Wrong admin passwords per client address: each one is answered more slowly, and after
/// <see cref="AllowedFailures"/> in <see cref="Window"/> the address is locked out, whatever
/// it sends, until the window ends. Serves the login form and the Bearer password alike.
/// </summary>
/// <remarks>
/// A failure takes a permit from a fixed-window rate limiter partitioned by address, so that
/// parallel guesses cannot slip past the count: once the permits are gone, every attempt,
/// right or wrong, gets 429 and the guesser learns nothing more.
/// </remarks>
internal sealed class LoginThrottle(ILogger<AdminLog> logger) : IDisposable
{
    public const int AllowedFailures = 5;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan DelayStep = TimeSpan.FromMilliseconds(250);

    private readonly PartitionedRateLimiter<IPAddress> _failures = PartitionedRateLimiter.Create<IPAddress, IPAddress>(
        address => RateLimitPartition.GetFixedWindowLimiter(address, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = AllowedFailures,
            Window = Window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));

    /// <summary>
    /// Judges one attempt from the request's client: null lets it in, otherwise the 401 or the
    /// 429 to answer with (its Retry-After header is already set on the response).
    /// </summary>
    public async Task<JsonHttpResult<AdminError>?> JudgeAsync(HttpContext context, bool passwordMatches)
    {
        var client = context.Connection.RemoteIpAddress;
        var key = PartitionKey(client);
        if (passwordMatches)
        {
            using var probe = _failures.AttemptAcquire(key, 0);
            return probe.IsAcquired ? null : LockedOut(context, probe);
        }

        using var lease = _failures.AttemptAcquire(key, 1);
        if (!lease.IsAcquired)
        {
            return LockedOut(context, lease);
        }

        var failures = AllowedFailures - (int)(_failures.GetStatistics(key)?.CurrentAvailablePermits ?? 0);
        AdminLog.WrongPassword(logger, client, failures, AllowedFailures);
        if (failures >= AllowedFailures)
        {
            AdminLog.LockedOut(logger, client, (int)Window.TotalSeconds);
        }

        // Each wrong password in the window costs the next answer a little more time.
        await Task.Delay(DelayStep * failures, context.RequestAborted);
        return AdminErrors.WrongPassword();
    }

    public void Dispose() => _failures.Dispose();

    private JsonHttpResult<AdminError> LockedOut(HttpContext context, RateLimitLease lease)
    {
        AdminLog.StillLockedOut(logger, context.Connection.RemoteIpAddress);
        var retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : Window;
        var seconds = (int)Math.Ceiling(retryAfter.TotalSeconds);
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        return AdminErrors.LockedOut(retryAfter);
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
