using System.Buffers;
using System.Text;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace TokenRouter.Hosting;

/// <summary>
/// The console log, with every control character in a message escaped. Model names, paths,
/// user agents and team names come from clients; a NUL, an escape sequence or a line break in
/// one must not reach the log raw, where it could forge a line or repaint a terminal.
/// </summary>
/// <remarks>
/// Escaping here, where every message is made, covers each log line there is and each one
/// added later, instead of trusting every caller to clean every value it logs.
/// </remarks>
internal static class PrintableLogging
{
    /// <summary>The simple console logger, its messages made printable.</summary>
    public static ILoggingBuilder AddPrintableConsole(this ILoggingBuilder logging, Action<SimpleConsoleFormatterOptions> configure)
    {
        logging.AddSimpleConsole(configure);
        var consoles = logging.Services.Where(descriptor =>
            descriptor.ServiceType == typeof(ILoggerProvider) && descriptor.ImplementationType == typeof(ConsoleLoggerProvider));
        foreach (var console in consoles.ToList())
        {
            logging.Services.Remove(console);
        }

        logging.Services.AddSingleton<ILoggerProvider>(services => new PrintableLoggerProvider(new ConsoleLoggerProvider(
            services.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>(), services.GetServices<ConsoleFormatter>())));
        return logging;
    }

    /// <summary>The text with each control character (and Unicode line break) written as \uXXXX.</summary>
    public static string Escape(string text)
    {
        // Runs for every log line, the per-request one included: one vectorized search.
        if (!text.AsSpan().ContainsAny(Unprintable))
        {
            return text;
        }

        var escaped = new StringBuilder(text.Length + 16);
        foreach (var c in text)
        {
            if (IsUnprintable(c))
            {
                escaped.Append("\\u").Append(((int)c).ToString("x4", System.Globalization.CultureInfo.InvariantCulture));
            }
            else
            {
                escaped.Append(c);
            }
        }

        return escaped.ToString();
    }

    // What char.IsControl calls control characters (C0, DEL and C1), and the Unicode line breaks.
    private static readonly SearchValues<char> Unprintable = SearchValues.Create(
        string.Concat(Enumerable.Range(0, 0x20).Concat(Enumerable.Range(0x7F, 0x21)).Select(c => (char)c)) + "\u2028\u2029");

    private static bool IsUnprintable(char c) => Unprintable.Contains(c);
}

/// <summary>Hands each message to the inner provider's loggers with its control characters escaped.</summary>
[ProviderAlias("Console")]
internal sealed class PrintableLoggerProvider(ILoggerProvider inner) : ILoggerProvider, ISupportExternalScope
{
    public ILogger CreateLogger(string categoryName) => new PrintableLogger(inner.CreateLogger(categoryName));

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) =>
        (inner as ISupportExternalScope)?.SetScopeProvider(scopeProvider);

    public void Dispose() => inner.Dispose();

    private sealed class PrintableLogger(ILogger inner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => inner.BeginScope(state);

        public bool IsEnabled(LogLevel logLevel) => inner.IsEnabled(logLevel);

        public void Log<TState>(
            LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            inner.Log(logLevel, eventId, state, exception, (s, e) => PrintableLogging.Escape(formatter(s, e)));
    }
}
