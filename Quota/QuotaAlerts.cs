using System.Collections.Concurrent;
using System.Net.Http.Json;
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
/// What was sent is remembered in memory only: after a restart, a team already past a
/// threshold is announced once more.
/// </remarks>
internal sealed partial class QuotaAlerts(RouterSettings settings, TimeProvider clock, ILogger<QuotaAlerts> logger)
    : BackgroundService
{
    private static readonly int[] Thresholds = [80, 100];
    private static readonly TimeSpan[] RetryDelays = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)];

    private readonly Channel<QuotaAlert> _queue = Channel.CreateBounded<QuotaAlert>(
        new BoundedChannelOptions(10_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private readonly ConcurrentDictionary<long, (DateTimeOffset PeriodStart, int Percent)> _sent = new();

    /// <summary>Called with the team's live standing after each charge; cheap when nothing is crossed.</summary>
    public void Observe(Team team)
    {
        if (settings.AlertWebhookUrl is null || team.Quota <= 0)
        {
            return;
        }

        var percent = team.Used * 100 / team.Quota;
        var crossed = Thresholds.LastOrDefault(t => percent >= t);
        if (crossed == 0)
        {
            return;
        }

        var previous = _sent.GetValueOrDefault(team.Id);
        if (previous.PeriodStart == team.PeriodStartedAt && previous.Percent >= crossed)
        {
            return;
        }

        _sent[team.Id] = (team.PeriodStartedAt, crossed);
        _queue.Writer.TryWrite(new QuotaAlert(
            "quota_threshold", crossed, team.Id, team.Name, team.Quota, team.Used,
            team.Period.ToString().ToLowerInvariant(), team.PeriodStartedAt, clock.GetUtcNow()));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (settings.AlertWebhookUrl is not { } url)
        {
            return;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        await foreach (var alert in _queue.Reader.ReadAllAsync(stoppingToken))
        {
            await SendAsync(http, url, alert, stoppingToken);
        }
    }

    private async Task SendAsync(HttpClient http, Uri url, QuotaAlert alert, CancellationToken stoppingToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                using var response = await http.PostAsJsonAsync(url, alert, QuotaJsonContext.Default.QuotaAlert, stoppingToken);
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
}

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
