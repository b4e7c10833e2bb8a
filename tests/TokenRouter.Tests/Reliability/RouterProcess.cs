using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using TokenRouter.Tests.Infrastructure;

namespace TokenRouter.Tests.Reliability;

/// <summary>
/// TokenRouter in a process of its own, started the way a service manager starts it:
/// <c>tokenrouter serve</c> with its settings in the environment, stdin not a terminal. It is
/// the published binary named by TOKENROUTER_BINARY when that is set, else the app's
/// <c>tokenrouter.dll</c> from the test output run by <c>dotnet</c>. It listens on a free
/// loopback port, read back from its own "Now listening on" line.
/// </summary>
internal sealed class RouterProcess : IAsyncDisposable
{
    public const string AdminPassword = "crash-test-admin-password";
    public const string ProviderApiKey = "sk-provider-crash-test-key";
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    // Settings the test runner's own environment must not leak into the child.
    private static readonly string[] SettingNames =
    [
        "PROVIDER_API_KEY", "PROVIDER_BASE_URL", "ALLOWED_MODELS", "ADMIN_PASSWORD", "HOST", "PORT",
        "DATABASE_PATH", "QUOTA_TIME_ZONE", "LOG_RETENTION_DAYS", "SHUTDOWN_GRACE_SECONDS", "TRUSTED_PROXIES",
        "MAX_REQUEST_BODY_MB", "UPSTREAM_IDLE_TIMEOUT_SECONDS", "FORWARD_UNKNOWN_ENDPOINTS", "ALERT_WEBHOOK_URL",
        "DEFAULT_COMPLETION_ALLOWANCE",
        "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "DOTNET_URLS", "ASPNETCORE_ENVIRONMENT",
    ];

    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<string> _output = [];
    private readonly List<string> _errors = [];
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RouterProcess(Process process, string databasePath)
    {
        _process = process;
        DatabasePath = databasePath;
    }

    public string DatabasePath { get; }

    public int Id => _process.Id;

    /// <summary>The server root, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseUrl { get; private set; } = null!;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Every line the process wrote to standard output so far (its console log).</summary>
    public IReadOnlyList<string> OutputLines
    {
        get
        {
            lock (_gate)
            {
                return [.. _output];
            }
        }
    }

    public IReadOnlyList<string> ErrorLines
    {
        get
        {
            lock (_gate)
            {
                return [.. _errors];
            }
        }
    }

    /// <summary>
    /// Starts <c>tokenrouter serve</c> on <paramref name="databasePath"/> with the provider at
    /// <paramref name="providerBaseUrl"/>; returns once it answers /healthz.
    /// </summary>
    public static async Task<RouterProcess> StartAsync(
        string folder, string databasePath, Uri providerBaseUrl, IReadOnlyDictionary<string, string>? settings = null)
    {
        var start = Command(folder, ["serve", "--host", "127.0.0.1", "--port", "0",
            "--env-file", Path.Combine(folder, ".env"), "--db", databasePath]);
        start.Environment["PROVIDER_API_KEY"] = ProviderApiKey;
        start.Environment["PROVIDER_BASE_URL"] = providerBaseUrl.ToString();
        start.Environment["ALLOWED_MODELS"] = "gpt-4o-mini";
        start.Environment["ADMIN_PASSWORD"] = AdminPassword;
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var router = new RouterProcess(new Process { StartInfo = start, EnableRaisingEvents = true }, databasePath);
        router.Begin();
        try
        {
            router.BaseUrl = await router._listening.Task.WaitAsync(Patience);
            using var http = new HttpClient { BaseAddress = router.BaseUrl };
            await Eventually.UntilAsync(() => Answers(http), "the child router to answer /healthz", Patience);
            return router;
        }
        catch (Exception e)
        {
            await router.DisposeAsync();
            throw new InvalidOperationException(
                $"tokenrouter serve did not start: {e.Message}\n{string.Join('\n', router.OutputLines.Concat(router.ErrorLines))}",
                e);
        }
    }

    /// <summary>Runs another command of the app (e.g. <c>backup</c>) to its end; returns its exit code and output.</summary>
    public static async Task<(int ExitCode, string Out, string Error)> RunCommandAsync(string folder, params string[] args)
    {
        using var process = Process.Start(Command(folder, args))!;
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
            throw new TimeoutException($"tokenrouter {string.Join(' ', args)} did not end within {Patience}.");
        }

        return (process.ExitCode, await output, await error);
    }

    /// <summary>A client for /admin/api with the admin password.</summary>
    public HttpClient CreateAdminClient() => CreateClient(AdminPassword);

    public HttpClient CreateClient(string? token)
    {
        var client = new HttpClient { BaseAddress = BaseUrl, Timeout = TimeSpan.FromMinutes(2) };
        if (token is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return client;
    }

    public async Task<TestTeam> CreateTeamAsync(string name, long quota)
    {
        using var admin = CreateAdminClient();
        using var response = await admin.PostAsJsonAsync("admin/api/teams", new { name, quota });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True((int)response.StatusCode == 201, $"POST /admin/api/teams answered {(int)response.StatusCode}: {text}");
        var body = JsonNode.Parse(text)!;
        return new TestTeam(body["id"]!.GetValue<long>(), body["token"]!.GetValue<string>()) { Name = name, Quota = quota };
    }

    /// <summary>SIGKILL: the process ends at once, with no chance to flush or clean up.</summary>
    public void Kill() => _process.Kill();

    /// <summary>SIGTERM, as a service manager sends on stop.</summary>
    public void Terminate()
    {
        if (Interop.Kill(_process.Id, Interop.Sigterm) != 0)
        {
            throw new InvalidOperationException($"kill -TERM {_process.Id} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Waits for the process to end; fails the test when it does not within <paramref name="limit"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"tokenrouter (pid {_process.Id}) did not exit within {limit.TotalSeconds} s.");
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
            // Never started.
        }

        _process.Dispose();
    }

    private static ProcessStartInfo Command(string folder, IEnumerable<string> args)
    {
        var binary = Environment.GetEnvironmentVariable("TOKENROUTER_BINARY");
        var start = new ProcessStartInfo(string.IsNullOrEmpty(binary) ? "dotnet" : binary)
        {
            WorkingDirectory = folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (string.IsNullOrEmpty(binary))
        {
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "tokenrouter.dll"));
        }

        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in SettingNames)
        {
            start.Environment.Remove(name);
        }

        return start;
    }

    private void Begin()
    {
        _process.OutputDataReceived += (_, e) => OnLine(e.Data, _output);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data, _errors);
        _process.Exited += (_, _) => _listening.TrySetException(
            new InvalidOperationException("tokenrouter exited before it listened."));
        _process.Start();
        _process.StandardInput.Close();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private void OnLine(string? line, List<string> lines)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            lines.Add(line);
        }

        const string marker = "Now listening on: ";
        var at = line.IndexOf(marker, StringComparison.Ordinal);
        if (at >= 0)
        {
            _listening.TrySetResult(new Uri(line[(at + marker.Length)..].Trim().TrimEnd('/') + "/"));
        }
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

    private static class Interop
    {
        public const int Sigterm = 15;

        [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
        public static extern int Kill(int pid, int signal);
    }
}
