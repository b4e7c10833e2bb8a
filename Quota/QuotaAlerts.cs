using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Threading.Channels;
using TokenRouter.Config;
using TokenRouter.Storage;

namespace TokenRouter.Quota;

/// <summary>
/// Tells the operator's webhook (ALERT_WEBHOOK_URL) when a team crosses 80 % and 100 % of its
/// quota, once per threshold and period. Alerts queue in memory and are sent in the
/// background with retries, so no request ever waits for a webhook.
/// </summary>
/// <remarks>
/// What was announced is remembered per team and reset epoch, in memory and in the books
/// (stored once the webhook has been tried), so a restart neither repeats nor forgets an
/// alert. A reset starts a new epoch with nothing announced; a quota raised back below a
/// threshold lowers the mark, so crossing it again is announced again.
/// </remarks>
internal sealed partial class QuotaAlerts(IBooks books, RouterSettings settings, TimeProvider clock, ILogger<QuotaAlerts> logger)
    : BackgroundService
{
    private static readonly int[] Thresholds = [80, 100];
    private static readonly TimeSpan[] RetryDelays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)];

    private readonly Channel<PendingAlert> _queue = Channel.CreateBounded<PendingAlert>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly Lock _gate = new();
    private readonly Dictionary<long, AlertMark> _marks = [];

    /// <summary>Takes the marks stored by earlier runs.</summary>
    public void Load(IEnumerable<AlertMark> marks)
    {
        lock (_gate)
        {
            _marks.Clear();
            foreach (var mark in marks)
            {
                _marks[mark.TeamId] = mark;
            }
        }
    }

    /// <summary>Called with the team's live standing after each charge; cheap when nothing is crossed.</summary>
    public void Observe(Team team) => Review(team, mayLower: false);

    /// <summary>
    /// Called after an admin changed the team's quota or policy: a raised quota may take the team
    /// back below a threshold it had crossed.
    /// </summary>
    /// <remarks>
    /// Only here may the mark go down. After a charge, a concurrent request's older, lower
    /// standing could otherwise undo the mark a newer one had just set.
    /// </remarks>
    public void PolicyChanged(Team team) => Review(team, mayLower: true);

    private void Review(Team team, bool mayLower)
    {
        if (settings.AlertWebhookUrl is null || team.Quota <= 0)
        {
            return;
        }

        var percent = team.Used * 100 / team.Quota;
        var level = Thresholds.LastOrDefault(t => percent >= t);
        lock (_gate)
        {
            var announced = _marks.TryGetValue(team.Id, out var mark) && mark.ResetEpoch == team.ResetEpoch ? mark.Percent : 0;
            if (level == announced || (level < announced && !mayLower))
            {
                return;
            }

            _marks[team.Id] = new AlertMark(team.Id, team.ResetEpoch, level);
            if (level < announced)
            {
                _queue.Writer.TryWrite(new PendingAlert(_marks[team.Id], null));
                return;
            }

            // One request can cross both thresholds: each is announced, the lower one first.
            foreach (var crossed in Thresholds.Where(t => t > announced && t <= level))
            {
                var alert = new QuotaAlert("quota_threshold", crossed, team.Id, team.Name, team.Quota, team.Used,
                    team.Period.ToString().ToLowerInvariant(), team.PeriodStartedAt, clock.GetUtcNow());
                _queue.Writer.TryWrite(new PendingAlert(new AlertMark(team.Id, team.ResetEpoch, crossed), alert));
            }
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.AlertWebhookUrl is not { } url)
        {
            return;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await foreach (var pending in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            if (pending.Alert is { } alert)
            {
                await SendAsync(http, url, alert, stoppingToken);
            }

            await RememberAsync(pending.Mark, stoppingToken);
        }
    }

    /// <summary>
    /// Stores the mark once the alert has been tried: a crash before this point announces the
    /// threshold again after the restart rather than never.
    /// </summary>
    private async Task RememberAsync(AlertMark mark, CancellationToken stoppingToken)
    {
        try
        {
            await books.SaveAlertMarkAsync(mark, stoppingToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogNotRemembered(logger, mark.TeamId, mark.Percent, e.GetType().Name);
        }
    }

    private async Task SendAsync(HttpClient http, Uri url, QuotaAlert alert, CancellationToken stoppingToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                // A byte body, so the POST carries Content-Length: some webhook receivers refuse chunked bodies.
                using var body = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(alert, QuotaJsonContext.Default.QuotaAlert));
                body.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await http.PostAsync(url, body, stoppingToken);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                LogRejected(logger, alert.TeamName, alert.ThresholdPercent, (int)response.StatusCode, attempt + 1);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !stoppingToken.IsCancellationRequested)
            {
                LogUnreachable(logger, alert.TeamName, alert.ThresholdPercent, e.GetType().Name, attempt + 1);
            }

            if (attempt >= RetryDelays.Length)
            {
                return;
            }

            await Task.Delay(RetryDelays[attempt], clock, stoppingToken);
        }
    }

    [LoggerMessage(EventId = 2001, Level = LogLevel.Warning,
        Message = "Quota alert for team {Team} at {Percent} % was refused with {Status} (attempt {Attempt})")]
    private static partial void LogRejected(ILogger logger, string team, int percent, int status, int attempt);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Warning,
        Message = "Quota alert for team {Team} at {Percent} % could not be delivered: {Reason} (attempt {Attempt})")]
    private static partial void LogUnreachable(ILogger logger, string team, int percent, string reason, int attempt);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning,
        Message = "The quota alert mark of team {TeamId} at {Percent} % could not be stored ({Reason}); it may be announced again after a restart")]
    private static partial void LogNotRemembered(ILogger logger, long teamId, int percent, string reason);
}

/// <summary>A mark to store, and the alert to send first when a threshold was crossed (null when the mark went down).</summary>
internal sealed record PendingAlert(AlertMark Mark, QuotaAlert? Alert);

/// <summary>The webhook's JSON body.</summary>
internal sealed record QuotaAlert(
    string Event,
    int ThresholdPercent,
    long TeamId,
    string TeamName,
    long Quota,
    long Used,
    string Period,
    DateTimeOffset PeriodStartedAt,
    DateTimeOffset At);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(QuotaAlert))]
internal sealed partial class QuotaJsonContext : JsonSerializerContext;
