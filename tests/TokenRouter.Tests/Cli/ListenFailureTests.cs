using System.Net;
using System.Net.Sockets;
using TokenRouter.Cli;
using TokenRouter.Config;

namespace TokenRouter.Tests.Cli;

public sealed class ListenFailureTests
{
    [Fact]
    public async Task Describe_KestrelBindingATakenPort_NamesThePortAndTheOption()
    {
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var port = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var settings = new RouterSettings { ProviderApiKey = "k", Host = "127.0.0.1", Port = port, EnvFilePath = "/srv/tr/.env" };
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        await using var app = builder.Build();

        var error = await Assert.ThrowsAnyAsync<Exception>(() => app.StartAsync());

        Assert.Equal(
            $"port {port} is already in use on 127.0.0.1: stop the program using it, or start TokenRouter on another " +
            "port with --port (or PORT in /srv/tr/.env).",
            ListenFailure.Describe(error, settings));
    }

    [Fact]
    public void Describe_UnrelatedFailure_IsNotAListenFailure()
    {
        var settings = new RouterSettings { ProviderApiKey = "k" };

        Assert.Null(ListenFailure.Describe(new InvalidOperationException("x", new IOException("disk")), settings));
    }

    [Fact]
    public void Describe_AddressNotOnThisMachine_NamesTheHost()
    {
        var settings = new RouterSettings { ProviderApiKey = "k", Host = "192.0.2.1", EnvFilePath = "/e" };
        var error = new IOException("Failed to bind", new SocketException((int)SocketError.AddressNotAvailable));

        Assert.StartsWith("cannot listen on 192.0.2.1: it is not an address of this machine", ListenFailure.Describe(error, settings));
    }
}
