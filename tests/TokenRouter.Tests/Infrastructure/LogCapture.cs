using System.Globalization;
using System.Text;

namespace TokenRouter.Tests.Infrastructure;

/// <summary>
/// A logger provider that keeps every line the app logs, with its structured values, its
/// scopes and its exception, so a test can assert what was logged and, above all, that no
/// token or key was (C11): <see cref="AllText"/> is everything a log sink could have written.
/// </summary>
public sealed class LogCapture : ILoggerProvider, ISupportExternalScope
{
    private readonly Lock _gate = new();
    private readonly List<LogLine> _lines = [];
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    /// <summary>Every line so far, in order (a snapshot).</summary>
    public IReadOnlyList<LogLine> Lines
    {
        get
        {
            lock (_gate)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>All lines in full (message, values, scopes, exception), one per line.</summary>
    public string AllText => string.Join('\n', Lines.Select(l => l.FullText));

    /// <summary>True when <paramref name="text"/> appears anywhere in <see cref="AllText"/> (ordinal).</summary>
    public bool Contains(string text) => Lines.Any(l => l.FullText.Contains(text, StringComparison.Ordinal));

    /// <summary>Lines whose category starts with the prefix, e.g. <c>TokenRouter.Proxy</c>.</summary>
    public IReadOnlyList<LogLine> From(string categoryPrefix) =>
        Lines.Where(l => l.Category.StartsWith(categoryPrefix, StringComparison.Ordinal)).ToList();

    /// <summary>Waits for a line that matches; logging is asynchronous to the response a client sees.</summary>
    public Task<LogLine> WaitForAsync(Func<LogLine, bool> match, string what, TimeSpan? timeout = null) =>
        Eventually.ValueAsync(() => Lines.FirstOrDefault(match), "log line: " + what, timeout);

    public void Clear()
    {
        lock (_gate)
        {
            _lines.Clear();
        }
    }

    public ILogger CreateLogger(string categoryName) => new CapturingLogger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose()
    {
    }

    private void Add(LogLine line)
    {
        lock (_gate)
        {
            _lines.Add(line);
        }
    }

    private sealed class CapturingLogger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => owner._scopes.Push(state);

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(
            LogLevel logLevel,
            EventId eventId,
            TState state,
            Exception? exception,
            Func<TState, Exception?, string> formatter)
        {
            var values = new List<KeyValuePair<string, string?>>();
            if (state is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                values.AddRange(pairs.Select(p => new KeyValuePair<string, string?>(p.Key, Format(p.Value))));
            }

            var scopes = new List<string>();
            owner._scopes.ForEachScope(static (scope, list) => list.Add(DescribeScope(scope)), scopes);

            owner.Add(new LogLine(
                DateTimeOffset.UtcNow,
                category,
                logLevel,
                eventId,
                formatter(state, exception),
                values,
                scopes,
                exception?.ToString()));
        }

        private static string DescribeScope(object? scope)
        {
            if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
            {
                return string.Join(", ", pairs.Select(p => $"{p.Key}={Format(p.Value)}"));
            }

            return Format(scope) ?? "";
        }

        private static string? Format(object? value) => value switch
        {
            null => null,
            string text => text,
            IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
            System.Collections.IEnumerable list => string.Join(",", list.Cast<object?>().Select(Format)),
            _ => value.ToString(),
        };
    }
}

/// <summary>One captured log line.</summary>
public sealed record LogLine(
    DateTimeOffset At,
    string Category,
    LogLevel Level,
    EventId EventId,
    string Message,
    IReadOnlyList<KeyValuePair<string, string?>> Values,
    IReadOnlyList<string> Scopes,
    string? Exception)
{
    /// <summary>The structured value of that name (e.g. a [LoggerMessage] parameter), or null.</summary>
    public string? Value(string name) => Values.FirstOrDefault(v => v.Key == name).Value;

    /// <summary>Everything about the line as text: what any sink could have written.</summary>
    public string FullText
    {
        get
        {
            var text = new StringBuilder()
                .Append(Level).Append(' ').Append(Category).Append('[').Append(EventId.Id).Append(':')
                .Append(EventId.Name).Append("] ").Append(Message);
            foreach (var (key, value) in Values)
            {
                text.Append(" | ").Append(key).Append('=').Append(value);
            }

            foreach (var scope in Scopes)
            {
                text.Append(" | scope ").Append(scope);
            }

            if (Exception is not null)
            {
                text.Append('\n').Append(Exception);
            }

            return text.ToString();
        }
    }

    public override string ToString() => $"{Level} {Category}: {Message}";
}
