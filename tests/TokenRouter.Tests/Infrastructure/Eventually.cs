using System.Diagnostics;

namespace TokenRouter.Tests.Infrastructure;

/// <summary>
/// Waits for a condition by polling, with a generous limit: on a loaded 2-core machine a
/// test should wait for what it expects rather than sleep a guessed time.
/// </summary>
public static class Eventually
{
    /// <summary>The default limit: long enough for a busy machine, short enough to fail a hung test.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    /// <summary>
    /// Returns once <paramref name="condition"/> holds; otherwise throws a TimeoutException
    /// that names <paramref name="what"/> was awaited.
    /// </summary>
    public static async Task UntilAsync(Func<bool> condition, string what, TimeSpan? timeout = null)
    {
        var limit = timeout ?? DefaultTimeout;
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"Waited {limit.TotalSeconds:0.#} s for: {what}");
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Returns the first non-null value of <paramref name="probe"/>, polling until the limit.</summary>
    public static async Task<T> ValueAsync<T>(Func<T?> probe, string what, TimeSpan? timeout = null)
        where T : class
    {
        T? value = null;
        await UntilAsync(() => (value = probe()) is not null, what, timeout);
        return value!;
    }
}
