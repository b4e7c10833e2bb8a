using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using TokenRouter.Admin;
using TokenRouter.Proxy;

namespace TokenRouter.Tests.Admin;

public sealed partial class ApiDocsTests(AdminServer server) : IClassFixture<AdminServer>
{
    private async Task<JsonElement> DocumentAsync()
    {
        using var client = new HttpClient { BaseAddress = server.BaseAddress };
        var response = await client.GetAsync("/openapi/v1.json");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    [Theory]
    [InlineData("/v1/chat/completions", "post")]
    [InlineData("/v1/completions", "post")]
    [InlineData("/v1/embeddings", "post")]
    [InlineData("/v1/responses", "post")]
    [InlineData("/v1/moderations", "post")]
    [InlineData("/v1/images/generations", "post")]
    [InlineData("/v1/audio/speech", "post")]
    [InlineData("/v1/audio/transcriptions", "post")]
    [InlineData("/v1/audio/translations", "post")]
    [InlineData("/v1/images/edits", "post")]
    [InlineData("/v1/images/variations", "post")]
    [InlineData("/v1/dashboard/billing/subscription", "get")]
    [InlineData("/v1/dashboard/billing/usage", "get")]
    [InlineData("/v1/models", "get")]
    [InlineData("/v1/models/{id}", "get")]
    [InlineData("/v1/usage", "get")]
    public async Task Document_DescribesEveryProxyEndpointWithTeamTokenAuth(string path, string method)
    {
        var operation = (await DocumentAsync()).GetProperty("paths").GetProperty(path).GetProperty(method);

        Assert.Equal(ApiDocument.TeamTokenScheme, operation.GetProperty("security")[0].EnumerateObject().Single().Name);
        Assert.True(operation.GetProperty("responses").TryGetProperty("200", out _));
        Assert.True(operation.GetProperty("responses").TryGetProperty("401", out _));
        if (method == "post")
        {
            Assert.True(operation.GetProperty("requestBody").GetProperty("content").EnumerateObject().Any());
        }
    }

    [Fact]
    public async Task Document_CoversEveryEndpointTheProxyForwards()
    {
        var paths = (await DocumentAsync()).GetProperty("paths");

        foreach (var endpoint in ApiEndpoint.Known)
        {
            Assert.True(paths.TryGetProperty("/v1/" + endpoint.Path, out var item), endpoint.Path);
            Assert.True(item.TryGetProperty("post", out _), endpoint.Path);
        }
    }

    [Fact]
    public async Task Document_StandingSchemaIsTheOneTheProxyWrites()
    {
        var schemas = (await DocumentAsync()).GetProperty("components").GetProperty("schemas");

        var properties = schemas.GetProperty(nameof(TeamStanding)).GetProperty("properties");

        Assert.True(properties.TryGetProperty("next_reset_at", out _));
        Assert.True(properties.TryGetProperty("limits", out _));
        Assert.True(schemas.GetProperty(nameof(ModelObject)).GetProperty("properties").TryGetProperty("owned_by", out _));
    }

    [Theory]
    [InlineData("/admin/api/teams", "get")]
    [InlineData("/admin/api/teams", "post")]
    [InlineData("/admin/api/teams/{id}", "get")]
    [InlineData("/admin/api/teams/{id}", "patch")]
    [InlineData("/admin/api/teams/{id}", "delete")]
    [InlineData("/admin/api/teams/{id}/reset", "post")]
    [InlineData("/admin/api/teams/{id}/rotate", "post")]
    [InlineData("/admin/api/teams/{id}/resets", "get")]
    [InlineData("/admin/api/logs", "get")]
    [InlineData("/admin/api/logs.csv", "get")]
    [InlineData("/admin/api/usage", "get")]
    [InlineData("/admin/api/settings", "get")]
    [InlineData("/admin/api/logout", "post")]
    public async Task Document_DescribesEveryAdminEndpointWithAdminPasswordAuth(string path, string method)
    {
        var operation = (await DocumentAsync()).GetProperty("paths").GetProperty(path).GetProperty(method);

        Assert.Equal(ApiDocument.AdminPasswordScheme, operation.GetProperty("security")[0].EnumerateObject().Single().Name);
    }

    [Fact]
    public async Task Document_HasBothSecuritySchemesAndSnakeCaseSchemas()
    {
        var document = await DocumentAsync();
        var components = document.GetProperty("components");
        var schemes = components.GetProperty("securitySchemes");
        var schemas = components.GetProperty("schemas");

        Assert.Equal("bearer", schemes.GetProperty(ApiDocument.TeamTokenScheme).GetProperty("scheme").GetString());
        Assert.Equal("bearer", schemes.GetProperty(ApiDocument.AdminPasswordScheme).GetProperty("scheme").GetString());
        Assert.True(document.GetProperty("paths").GetProperty("/admin/api/login").TryGetProperty("post", out _));
        var teamProperties = schemas.GetProperty("TeamView").GetProperty("properties");
        Assert.True(teamProperties.TryGetProperty("token_prefix", out _));
        Assert.True(teamProperties.TryGetProperty("next_reset_at", out _));
        Assert.False(teamProperties.TryGetProperty("token_hash", out _));
        Assert.True(schemas.GetProperty("ChatCompletionRequest").GetProperty("properties").TryGetProperty("max_completion_tokens", out _));
    }

    [Fact]
    public async Task Document_CreateTeamBody_ListsExactlyTheFieldsTheEndpointReads()
    {
        var document = await DocumentAsync();
        var content = document.GetProperty("paths").GetProperty("/admin/api/teams").GetProperty("post")
            .GetProperty("requestBody").GetProperty("content").GetProperty("application/json");
        var schema = Resolve(document, content.GetProperty("schema"));

        var documented = schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order();

        Assert.Equal(TeamRequests.Fields.Order(), documented);
    }

    [Fact]
    public async Task Docs_ServesTheViewerWhoseAssetsAllComeFromThisServer()
    {
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        var response = await client.GetAsync("/docs/index.html");
        var html = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("swagger-ui", html);
        Assert.DoesNotContain("<script>", html);
        var csp = response.Headers.GetValues("Content-Security-Policy").Single();
        Assert.Contains("frame-ancestors 'none'", csp);
        Assert.Contains("script-src 'self';", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        var assets = AssetReference().Matches(html).Select(m => m.Groups[1].Value).ToList();
        Assert.Contains(assets, a => a.EndsWith(".js", StringComparison.Ordinal));
        Assert.Contains(assets, a => a.EndsWith(".css", StringComparison.Ordinal));
        foreach (var asset in assets)
        {
            Assert.False(asset.StartsWith("http", StringComparison.OrdinalIgnoreCase) || asset.StartsWith("//", StringComparison.Ordinal), asset);
            var loaded = await client.GetAsync(new Uri(new Uri(server.BaseAddress, "/docs/index.html"), asset));
            Assert.True(loaded.StatusCode == HttpStatusCode.OK, asset);
        }

        var script = await client.GetStringAsync("/docs/index.js");
        var config = ConfigObject().Match(script).Groups[1].Value;
        Assert.Contains("\"url\":\"/openapi/v1.json\"", config);
        Assert.DoesNotContain("http", config);
        Assert.Contains("configObject.validatorUrl = null", script);
    }

    [Theory]
    [InlineData("/docs/swagger-initializer.js")]
    [InlineData("/docs/swagger-ui.js")]
    [InlineData("/docs/absolute-path.js")]
    [InlineData("/docs/oauth2-redirect.html")]
    public async Task Docs_LeftoverFilesOfThePackage_AreNotServed(string path)
    {
        using var client = new HttpClient { BaseAddress = server.BaseAddress };

        var response = await client.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.DoesNotContain("petstore", await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Document_EveryAdminOperation_HasAUniqueOperationId()
    {
        var ids = new List<string>();
        foreach (var path in (await DocumentAsync()).GetProperty("paths").EnumerateObject())
        {
            foreach (var operation in path.Value.EnumerateObject())
            {
                Assert.True(operation.Value.TryGetProperty("operationId", out var id), $"{operation.Name} {path.Name}");
                ids.Add(id.GetString()!);
            }
        }

        Assert.Contains("getAdminTeamsIdResets", ids);
        Assert.Equal(ids.Count, ids.Distinct().Count());
    }

    [Theory]
    [InlineData("/admin/api/logs", "limit")]
    [InlineData("/admin/api/logs", "offset")]
    [InlineData("/admin/api/logs", "status")]
    [InlineData("/admin/api/logs", "team_id")]
    [InlineData("/admin/api/logs.csv", "team_id")]
    [InlineData("/admin/api/usage", "team_id")]
    public async Task Document_NumericQueryParameters_AreIntegers(string path, string name)
    {
        var parameters = (await DocumentAsync()).GetProperty("paths").GetProperty(path).GetProperty("get").GetProperty("parameters");

        var parameter = parameters.EnumerateArray().Single(p => p.GetProperty("name").GetString() == name);

        Assert.Equal("integer", parameter.GetProperty("schema").GetProperty("type").GetString());
    }

    [Fact]
    public async Task Docs_RootRedirectsToTheViewer()
    {
        using var client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = true }) { BaseAddress = server.BaseAddress };

        var response = await client.GetAsync("/docs");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("swagger-ui", await response.Content.ReadAsStringAsync());
    }

    private static JsonElement Resolve(JsonElement document, JsonElement schema)
    {
        if (!schema.TryGetProperty("$ref", out var reference))
        {
            return schema;
        }

        var name = reference.GetString()!.Split('/').Last();
        return document.GetProperty("components").GetProperty("schemas").GetProperty(name);
    }

    [GeneratedRegex("var configObject = (\\{.*\\});")]
    private static partial Regex ConfigObject();

    [GeneratedRegex("(?:src|href)=\"([^\"]+)\"")]
    private static partial Regex AssetReference();
}
