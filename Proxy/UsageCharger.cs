using TokenRouter.Quota;
using TokenRouter.Storage;

namespace TokenRouter.Proxy;

/// <summary>
/// Turns a finished exchange into its request log row and charge, waits until both are
/// durable, settles the reservation in the same commit, and writes the request's log line.
/// </summary>
internal sealed class UsageCharger(IBooks books, TokenEstimator estimator, QuotaAlerts alerts, ILogger<UsageCharger> logger)
{
    public TokenEstimator Estimator => estimator;

    /// <summary>How long an answer that costs nothing waits for its row to be durable.</summary>
    private static readonly TimeSpan FreeRowPatience = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The row of an authenticated request that costs nothing (a model list, a usage read):
    /// every request that passed authentication is in the books.
    /// </summary>
    /// <remarks>
    /// The answer comes from memory, so it does not wait on failing storage: while the books
    /// cannot be written, or when the row takes longer than a moment, the row stays queued (the
    /// writer keeps every charge until it is written) and the client is answered. Only a
    /// zero-token row can be lost so, and only if the process dies before storage is back.
    /// </remarks>
    public async ValueTask RecordFreeAsync(HttpContext context, TeamAccount account, string path, int status, string model = "")
    {
        var exchange = new ProxyExchange(context, account, ApiEndpoint.Other(path), DateTimeOffset.UtcNow, this)
        {
            Status = status,
            Model = model,
            NothingToCharge = true,
        };
        var row = exchange.ChargeAsync().AsTask();
        try
        {
            await row.WaitAsync(books.IsWritable ? FreeRowPatience : TimeSpan.Zero);
        }
        catch (TimeoutException)
        {
            _ = row.ContinueWith(
                failed => ProxyLog.FreeRowLost(logger, path, exchange.RequestId, failed.Exception!.GetBaseException()),
                CancellationToken.None,
                TaskContinuationOptions.OnlyOnFaulted,
                TaskScheduler.Default);
        }
    }

    public async ValueTask ChargeAsync(ProxyExchange exchange, UsageRecord record)
    {
        var account = exchange.Account;
        var reservation = exchange.Reservation;
        try
        {
            await books.ChargeAsync(record, () =>
            {
                if (reservation is not null)
                {
                    reservation.Settle(record.TotalTokens);
                }
                else
                {
                    account.Settle(0, record.TotalTokens);
                }
            });
        }
        catch
        {
            // The row was refused or the books closed under it: nothing was charged, so the
            // reservation is released without usage, keeping used equal to the logged sum.
            reservation?.Settle(0);
            throw;
        }

        if (record.TotalTokens > 0)
        {
            alerts.Observe(account.Team);
        }

        ProxyLog.RequestCompleted(
            logger, account.Team.Name, exchange.Context.Request.Method, exchange.Endpoint.Route, exchange.Model, record.Status,
            record.DurationMs, record.TotalTokens, record.Estimated ? " (estimated)" : "", exchange.RequestId);
    }
}
