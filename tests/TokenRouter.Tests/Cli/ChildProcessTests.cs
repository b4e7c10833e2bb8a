using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using TokenRouter.Tests.Config;
using TokenRouter.Tests.Infrastructure;

namespace TokenRouter.Tests.Cli;

/// <summary>The real app in its own process, the way a service manager starts it: no terminal on stdin.</summary>
public sealed class ChildProcessTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);
    private static readonly string[] OurKeys =
    [
        "PROVIDER_API_KEY", "PROVIDER_BASE_URL", "ALLOWED_MODELS", "ADMIN_PASSWORD", "HOST", "PORT", "DATABASE_PATH",
        "QUOTA_TIME_ZONE",
    ];

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task NoKeyWithStdinRedirected_ExitsTwoAtOnceWithOneLine()
    {
        var result = await RunAppAsync([], new Dictionary<string, string>());

        Assert.Equal(2, result.ExitCode);
        Assert.Equal("", result.Out);
        var envFile = Path.Combine(_folder.Path, ".env");
        Assert.Equal(
            $"error: PROVIDER_API_KEY is not set: add PROVIDER_API_KEY=<your provider's API key> to {envFile} " +
            "(or set it in the environment), or start tokenrouter in a terminal to be asked for it.",
            Assert.Single(result.ErrorLines));
        Assert.False(File.Exists(envFile));
    }

    [Fact]
    public async Task IanaTimeZoneUnderInvariantGlobalization_IsAccepted()
    {
        // The app runs with InvariantGlobalization (no ICU); the zone must still resolve. A bad
        // PORT stops the start, so the only line proves the zone was read without complaint.
        var result = await RunAppAsync([], new Dictionary<string, string>
        {
            ["PROVIDER_API_KEY"] = "sk-test",
            ["QUOTA_TIME_ZONE"] = "Europe/Berlin",
            ["PORT"] = "none",
        });

        Assert.Equal(2, result.ExitCode);
        Assert.Equal(
            "error: PORT (from the environment) must be a whole number from 0 to 65535; got 'none'.",
            Assert.Single(result.ErrorLines));
    }

    [Fact]
    public async Task Sigterm_StopsTheServerGracefullyWithExitZero()
    {
        var port = FreePort();
        using var process = StartApp(["--host", "127.0.0.1", "--port", port.ToString()], new Dictionary<string, string>
        {
            ["PROVIDER_API_KEY"] = "sk-test",
            ["PROVIDER_BASE_URL"] = "http://127.0.0.1:9/v1",
            ["ADMIN_PASSWORD"] = "not-the-default",
        });
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        await Eventually.UntilAsync(() => Answers(http), "the server to answer /healthz", Patience);

        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString()]))
        {
            await kill.WaitForExitAsync();
        }

        using var timeout = new CancellationTokenSource(Patience);
        await process.WaitForExitAsync(timeout.Token);
        Assert.Equal(0, process.ExitCode);
        Assert.Equal("", await error);
        Assert.DoesNotContain("sk-test", await output);
        Assert.True(File.Exists(Path.Combine(_folder.Path, "tokenrouter.db")));
    }

    private static bool Answers(HttpClient http)
    {
        try
        {
            return http.GetAsync("healthz").GetAwaiter().GetResult().IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<CliResult> RunAppAsync(string[] args, Dictionary<string, string> environment)
    {
        using var process = StartApp(args, environment);
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Patience);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"tokenrouter did not exit within {Patience.TotalSeconds} s (it must never wait for input).");
        }

        return new CliResult(process.ExitCode, await output, await error);
    }

    private Process StartApp(string[] args, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _folder.Path,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "tokenrouter.dll"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var key in OurKeys)
        {
            start.Environment.Remove(key);
        }

        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        return Process.Start(start)!;
    }
}
