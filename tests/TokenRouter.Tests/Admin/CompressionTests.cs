using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace TokenRouter.Tests.Admin;

/// <summary>Admin answers and the API document are compressed for clients that ask; /v1 never is.</summary>
public sealed class CompressionTests(AdminServer server) : IClassFixture<AdminServer>
{
    private static HttpRequestMessage Get(string path, string acceptEncoding)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.AcceptEncoding.ParseAdd(acceptEncoding);
        return request;
    }

    private static async Task<string> DecodeAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStreamAsync();
        Stream decoded = response.Content.Headers.ContentEncoding.SingleOrDefault() switch
        {
            "br" => new BrotliStream(body, CompressionMode.Decompress),
            "gzip" => new GZipStream(body, CompressionMode.Decompress),
            _ => body,
        };
        using var reader = new StreamReader(decoded);
        return await reader.ReadToEndAsync();
    }

    [Theory]
    [InlineData("/admin/api/teams", "br", "br")]
    [InlineData("/admin/api/teams", "gzip", "gzip")]
    [InlineData("/admin/api/usage", "gzip, br", "br")]
    [InlineData("/admin/api/logs.csv", "gzip", "gzip")]
    public async Task AdminApi_ClientThatAccepts_GetsCompressedAnswer(string path, string accepts, string expected)
    {
        await server.CreateTeamAsync(new { name = "zip-" + Guid.NewGuid().ToString("N")[..8], quota = 1 });
        using var client = server.BearerClient();

        var response = await client.SendAsync(Get(path, accepts));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(expected, Assert.Single(response.Content.Headers.ContentEncoding));
        var text = await DecodeAsync(response);
        Assert.True(path.EndsWith(".csv", StringComparison.Ordinal) ? text.Contains("request_id", StringComparison.Ordinal)
            : JsonDocument.Parse(text).RootElement.ValueKind == JsonValueKind.Object, text);
    }

    [Fact]
    public async Task AnswersCarryingASecret_StayUncompressed()
    {
        using var client = server.BearerClient();
        var create = new HttpRequestMessage(HttpMethod.Post, "/admin/api/teams")
        {
            Content = JsonContent.Create(new { name = "secret-" + Guid.NewGuid().ToString("N")[..8], quota = 1 }),
        };
        create.Headers.AcceptEncoding.ParseAdd("gzip, br");

        var created = await client.SendAsync(create);
        var session = await client.SendAsync(Get("/admin/api/session", "gzip, br"));

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Empty(created.Content.Headers.ContentEncoding);
        Assert.Contains("\"token\"", await created.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, session.StatusCode);
        Assert.Empty(session.Content.Headers.ContentEncoding);
    }

    [Fact]
    public async Task ProxyApi_IsNeverCompressed()
    {
        var team = await server.CreateTeamAsync(new { name = "plain-" + Guid.NewGuid().ToString("N")[..8], quota = 1 });
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", team.GetProperty("token").GetString());

        var response = await client.SendAsync(Get("/v1/models", "gzip, br"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Empty(response.Content.Headers.ContentEncoding);
    }

    [Fact]
    public async Task ApiDocument_HasAnETag_AnswersRevalidationWith304_AndComesCompressed()
    {
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        var plain = await client.SendAsync(Get("/openapi/v1.json", "identity"));
        var plainText = await plain.Content.ReadAsStringAsync();

        var compressed = await client.SendAsync(Get("/openapi/v1.json", "br"));
        var revalidation = Get("/openapi/v1.json", "identity");
        revalidation.Headers.IfNoneMatch.Add(plain.Headers.ETag!);
        var notModified = await client.SendAsync(revalidation);

        Assert.Equal(HttpStatusCode.OK, plain.StatusCode);
        Assert.NotNull(plain.Headers.ETag);
        Assert.Equal("br", Assert.Single(compressed.Content.Headers.ContentEncoding));
        Assert.True(compressed.Content.Headers.ContentLength < plainText.Length / 4);
        Assert.Equal(plainText, await DecodeAsync(compressed));
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }
}
