using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using TokenRouter.Admin;

namespace TokenRouter.Tests.Admin;

/// <summary>
/// The panel's static files as served from the resources embedded in the app, checked
/// against the files in wwwroot/: bytes, types, ETags, compression, and refused paths.
/// </summary>
public sealed class PanelEndpointsTests(PanelEndpointsTests.PanelServer server) : IClassFixture<PanelEndpointsTests.PanelServer>
{
    [Theory]
    [InlineData("/admin")]
    [InlineData("/admin/")]
    [InlineData("/admin/teams")]
    [InlineData("/admin/logs")]
    [InlineData("/admin/no-such-page")]
    public async Task Get_PanelAddress_ServesIndexHtmlUncachedWithStrictCsp(string path)
    {
        using var response = await server.Client.GetAsync(path);
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        Assert.Equal(File.ReadAllBytes(WwwrootFile("index.html")), body);
        Assert.True(response.Headers.CacheControl?.NoCache);
        var csp = string.Join(";", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'self'", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.DoesNotContain("unsafe-eval", csp);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
    }

    [Theory]
    [InlineData("/Admin", "/admin")]
    [InlineData("/ADMIN/", "/admin/")]
    [InlineData("/Admin/Teams?x=1", "/admin/teams?x=1")]
    [InlineData("/admin/Usage", "/admin/usage")]
    public async Task Get_PanelAddressInOtherLetterCase_RedirectsToTheLowerCaseOne(string path, string expected)
    {
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false })
        {
            BaseAddress = server.Client.BaseAddress,
        };

        using var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.MovedPermanently, response.StatusCode);
        Assert.Equal(expected, response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Get_EveryFileInWwwroot_IsServedWithItsExactBytesAndType()
    {
        var files = AllWwwrootFiles();
        Assert.Contains("assets/app.js", files);

        foreach (var file in files)
        {
            var path = file == "index.html" ? "/admin" : "/admin/" + file;
            using var response = await server.Client.GetAsync(path);

            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{path} answered {(int)response.StatusCode}");
            Assert.Equal(File.ReadAllBytes(WwwrootFile(file)), await response.Content.ReadAsByteArrayAsync());
            Assert.Equal(ExpectedType(file), response.Content.Headers.ContentType?.MediaType);
            Assert.Null(response.Content.Headers.ContentEncoding.FirstOrDefault());
        }
    }

    [Fact]
    public async Task Get_Asset_EtagIsTheSha256OfTheBytesSent()
    {
        using var response = await server.Client.GetAsync("/admin/assets/app.css");
        var body = await response.Content.ReadAsByteArrayAsync();

        var etag = response.Headers.ETag!;
        Assert.False(etag.IsWeak);
        Assert.Equal($"\"{Base64Url(SHA256.HashData(body))}\"", etag.Tag);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Get_IfNoneMatchWithTheEtag_Returns304WithoutBody(bool weak)
    {
        using var first = await server.Client.GetAsync("/admin/assets/app.js");
        var etag = first.Headers.ETag!.Tag;

        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/assets/app.js");
        request.Headers.TryAddWithoutValidation("If-None-Match", $"\"other\", {(weak ? "W/" : "")}{etag}");
        using var second = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());
        Assert.Equal(etag, second.Headers.ETag?.Tag);
    }

    [Fact]
    public async Task Get_IfNoneMatchWithAnotherEtag_ReturnsTheFile()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/assets/app.js");
        request.Headers.TryAddWithoutValidation("If-None-Match", "\"stale\"");
        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEmpty(await response.Content.ReadAsByteArrayAsync());
    }

    [Theory]
    [InlineData("br", "br")]
    [InlineData("gzip, deflate, br", "br")]
    [InlineData("gzip", "gzip")]
    [InlineData("br;q=0, gzip", "gzip")]
    [InlineData("identity", null)]
    [InlineData(null, null)]
    public async Task Get_AcceptEncoding_SendsThePreferredCompressionOfTheSameBytes(string? accept, string? expected)
    {
        var original = File.ReadAllBytes(WwwrootFile("assets/app.css"));
        using var plain = await server.Client.GetAsync("/admin/assets/app.css");

        using var request = new HttpRequestMessage(HttpMethod.Get, "/admin/assets/app.css");
        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept-Encoding", accept);
        }

        using var response = await server.Client.SendAsync(request);
        var body = await response.Content.ReadAsByteArrayAsync();

        Assert.Equal(expected, response.Content.Headers.ContentEncoding.SingleOrDefault());
        Assert.Contains("Accept-Encoding", response.Headers.Vary);
        Assert.Equal(original, Decompress(body, expected));
        if (expected is not null)
        {
            Assert.True(body.Length < original.Length, $"{expected}: {body.Length} of {original.Length} bytes");
            Assert.NotEqual(plain.Headers.ETag!.Tag, response.Headers.ETag!.Tag);
        }
    }

    [Fact]
    public async Task Head_Asset_SendsTheHeadersWithoutTheBody()
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, "/admin/assets/app.js");
        using var response = await server.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(new FileInfo(WwwrootFile("assets/app.js")).Length, response.Content.Headers.ContentLength);
        Assert.Empty(await response.Content.ReadAsByteArrayAsync());
        Assert.NotNull(response.Headers.ETag);
    }

    [Theory]
    [InlineData("/admin/assets/..%2Findex.html")]
    [InlineData("/admin/assets/%2e%2e/%2e%2e/Program.cs")]
    [InlineData("/admin/assets/..%5Capp.js")]
    [InlineData("/admin/assets%2Fapp.js")]
    [InlineData("/admin/assets/app.js%2F")]
    [InlineData("/admin/assets//app.js")]
    [InlineData("/admin/assets/pages%2Fteams.js")]
    [InlineData("/admin/assets/APP.JS")]
    [InlineData("/admin/assets/app.js%00")]
    [InlineData("/admin/assets/")]
    [InlineData("/admin/assets")]
    [InlineData("/admin/index.html")]
    [InlineData("/admin/api")]
    [InlineData("/admin/..%2F..%2Fetc%2Fpasswd")]
    [InlineData("/admin/assets/../../TokenRouter.csproj")]
    [InlineData("/admin/assets\\app.js")]
    public async Task Get_PathTrick_IsRefused(string rawTarget)
    {
        var (status, body) = await server.RawGetAsync(rawTarget);

        Assert.True(status is 404 or 400, $"{rawTarget} answered {status}");
        Assert.DoesNotContain("<html", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("import ", body, StringComparison.Ordinal);
    }

    [Fact]
    public void PanelFiles_ReferenceNoOtherHost()
    {
        // The SVG namespace is a name, not an address the browser fetches.
        var svgNamespace = new Regex("""["']http://www\.w3\.org/2000/svg["']""");
        var address = new Regex("""(https?:)?//[a-z0-9.-]+\.[a-z]{2,}""", RegexOptions.IgnoreCase);

        foreach (var file in AllWwwrootFiles().Where(IsText))
        {
            var text = svgNamespace.Replace(File.ReadAllText(WwwrootFile(file)), "\"\"");
            var found = address.Match(text);
            Assert.False(found.Success, $"{file} refers to {found.Value}");
        }
    }

    [Fact]
    public void PanelFiles_NeverTurnDataIntoMarkupOrCode()
    {
        var forbidden = new Regex(
            """\.innerHTML|\.outerHTML|insertAdjacentHTML|document\.write|\beval\(|new Function\(|setAttribute\(\s*['"](on|style)""");
        foreach (var file in AllWwwrootFiles().Where(f => f.EndsWith(".js", StringComparison.Ordinal)))
        {
            var found = forbidden.Match(File.ReadAllText(WwwrootFile(file)));
            Assert.False(found.Success, $"{file} uses {found.Value}");
        }

        // No inline script, style or handler: the CSP can then forbid them all.
        var index = File.ReadAllText(WwwrootFile("index.html"));
        Assert.DoesNotMatch(new Regex("""<script(?![^>]*\bsrc=)"""), index);
        Assert.DoesNotMatch(new Regex("""<style|\sstyle=|\son[a-z]+=""", RegexOptions.IgnoreCase), index);
    }

    private static bool IsText(string file) =>
        Path.GetExtension(file) is ".html" or ".js" or ".css" or ".svg" or ".json" or ".txt";

    private static string ExpectedType(string file) => Path.GetExtension(file) switch
    {
        ".html" => "text/html",
        ".js" => "text/javascript",
        ".css" => "text/css",
        ".svg" => "image/svg+xml",
        ".png" => "image/png",
        _ => "application/octet-stream",
    };

    private static byte[] Decompress(byte[] body, string? encoding)
    {
        using Stream source = encoding switch
        {
            "br" => new BrotliStream(new MemoryStream(body), CompressionMode.Decompress),
            "gzip" => new GZipStream(new MemoryStream(body), CompressionMode.Decompress),
            _ => new MemoryStream(body),
        };
        using var output = new MemoryStream();
        source.CopyTo(output);
        return output.ToArray();
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static string WwwrootDirectory()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "TokenRouter.csproj")))
            {
                return Path.Combine(directory.FullName, "wwwroot");
            }
        }

        throw new DirectoryNotFoundException("No TokenRouter.csproj above " + AppContext.BaseDirectory);
    }

    private static string WwwrootFile(string relative) => Path.Combine(WwwrootDirectory(), relative);

    private static List<string> AllWwwrootFiles()
    {
        var root = WwwrootDirectory();
        return Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(root, path).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Only the panel's endpoints, on a free loopback port: the serving is tested on its own.</summary>
    public sealed class PanelServer : IAsyncLifetime
    {
        private WebApplication? _app;

        public HttpClient Client { get; private set; } = null!;

        private int Port { get; set; }

        public async Task InitializeAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            _app = builder.Build();
            _app.MapPanel();
            await _app.StartAsync();

            var address = new Uri(_app.Services.GetRequiredService<IServer>().Features
                .GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
            Port = address.Port;
            Client = new HttpClient(new SocketsHttpHandler { AutomaticDecompression = DecompressionMethods.None })
            {
                BaseAddress = address,
                Timeout = TimeSpan.FromSeconds(60),
            };
            Client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("*/*"));
        }

        /// <summary>Sends the request target exactly as written: HttpClient would clean it up first.</summary>
        public async Task<(int Status, string Body)> RawGetAsync(string rawTarget)
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(IPAddress.Loopback, Port);
            var stream = tcp.GetStream();
            var request = $"GET {rawTarget} HTTP/1.1\r\nHost: 127.0.0.1:{Port}\r\nConnection: close\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
            using var reader = new StreamReader(stream, Encoding.UTF8);
            var response = await reader.ReadToEndAsync();
            var statusLine = response[..response.IndexOf('\r', StringComparison.Ordinal)];
            return (int.Parse(statusLine.Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture), response);
        }

        public async Task DisposeAsync()
        {
            Client.Dispose();
            if (_app is not null)
            {
                await _app.DisposeAsync();
            }
        }
    }
}
