using System.Net;
using System.Net.Sockets;
using System.Runtime.Versioning;
using TokenRouter.Tests.Config;
using TokenRouter.Tests.Infrastructure;

namespace TokenRouter.Tests.Cli;

[UnsupportedOSPlatform("windows")]
public sealed class ServeCommandTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Serve_RiskySettings_WarnsAtStartServesAndStopsCleanly()
    {
        var port = FreePort();
        var database = _folder.File("books.db");
        var envFile = _folder.Write(".env",
            $"PROVIDER_API_KEY=sk-test\nPROVIDER_BASE_URL=http://127.0.0.1:9/v1\nDATABASE_PATH={database}\n");
        File.SetUnixFileMode(envFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var logs = new LogCapture();
        using var stop = new CancellationTokenSource();

        var serving = CliRun.RunAsync(
            ["serve", "--host", "127.0.0.1", "--port", port.ToString(), "--env-file", envFile],
            cancellationToken: stop.Token,
            configureServer: builder => builder.Logging.AddProvider(logs));

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        await Eventually.UntilAsync(() => Answers(http), "the server to answer /healthz", Patience);
        await logs.WaitForAsync(l => l.Message.Contains("ADMIN_PASSWORD is not set"), "default password warning", Patience);
        var warnings = logs.From("TokenRouter.Cli").Where(l => l.Level == LogLevel.Warning).Select(l => l.Message).ToList();
        Assert.Contains(warnings, m => m.StartsWith("ALLOWED_MODELS is empty"));
        Assert.Contains(
            $"The env file {envFile} can be read by other users (mode 604) and holds secrets; run: chmod 600 {envFile}",
            warnings);
        Assert.DoesNotContain(warnings, m => m.StartsWith("The database"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(database));
        Assert.False(logs.Contains("sk-test"));

        stop.Cancel();
        var result = await serving.WaitAsync(Patience);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("", result.Error);
    }

    [Fact]
    public async Task Serve_WorldReadableDatabase_Warns()
    {
        var port = FreePort();
        var database = _folder.Write("books.db", "");
        File.SetUnixFileMode(database, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        var envFile = _folder.Write(".env",
            "PROVIDER_API_KEY=sk-test\nPROVIDER_BASE_URL=http://127.0.0.1:9/v1\nADMIN_PASSWORD=not-the-default\nALLOWED_MODELS=m\n");
        File.SetUnixFileMode(envFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var logs = new LogCapture();
        using var stop = new CancellationTokenSource();

        var serving = CliRun.RunAsync(
            ["serve", "--host", "127.0.0.1", "--port", port.ToString(), "--env-file", envFile, "--db", database],
            cancellationToken: stop.Token,
            configureServer: builder => builder.Logging.AddProvider(logs));

        await logs.WaitForAsync(l => l.Message.StartsWith("The database"), "database permission warning", Patience);
        stop.Cancel();
        var result = await serving.WaitAsync(Patience);

        Assert.Equal(0, result.ExitCode);
        var warnings = logs.From("TokenRouter.Cli").Select(l => l.Message).ToList();
        Assert.Equal(
            [$"The database {database} can be read by other users (mode 644) and holds secrets; run: chmod 600 {database}"],
            warnings);
    }

    [Fact]
    public async Task Serve_HostName_ListensOnItsAddressesOnly()
    {
        var port = FreePort();
        var envFile = _folder.Write(".env",
            "PROVIDER_API_KEY=sk-test\nPROVIDER_BASE_URL=http://127.0.0.1:9/v1\nADMIN_PASSWORD=not-the-default\nALLOWED_MODELS=m\n");
        var name = Dns.GetHostName();
        var logs = new LogCapture();
        using var stop = new CancellationTokenSource();

        var serving = CliRun.RunAsync(
            ["serve", "--host", name, "--port", port.ToString(), "--env-file", envFile, "--db", _folder.File("books.db")],
            cancellationToken: stop.Token,
            configureServer: builder => builder.Logging.AddProvider(logs));

        await logs.WaitForAsync(l => l.Message.Contains("Application started"), "the server to start", Patience);
        stop.Cancel();
        Assert.Equal(0, (await serving.WaitAsync(Patience)).ExitCode);
        var listening = logs.Lines.Where(l => l.Message.StartsWith("Now listening on: ")).Select(l => l.Message[18..]).Order();
        var expected = (await Dns.GetHostAddressesAsync(name)).Distinct()
            .Select(a => a.AddressFamily == AddressFamily.InterNetworkV6 ? $"http://[{a}]:{port}" : $"http://{a}:{port}").Order();
        Assert.Equal(expected, listening);
    }

    [Fact]
    public async Task Serve_HostNameThatDoesNotResolve_FailsWithOneLine()
    {
        var envFile = _folder.Write(".env", "PROVIDER_API_KEY=sk-test\nPROVIDER_BASE_URL=http://127.0.0.1:9/v1\n");

        var result = await CliRun.RunAsync(
            ["serve", "--host", "no-such-host.invalid", "--port", FreePort().ToString(), "--env-file", envFile,
                "--db", _folder.File("books.db")]).WaitAsync(Patience);

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(
            "error: cannot listen on no-such-host.invalid: the name does not resolve to an address; use --host with an IP address, " +
            $"such as 0.0.0.0 or 127.0.0.1 (or HOST in {envFile}).",
            Assert.Single(result.ErrorLines));
    }

    private static bool Answers(HttpClient http)
    {
        try
        {
            return http.GetAsync("healthz").GetAwaiter().GetResult().StatusCode == HttpStatusCode.OK;
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
}
