using System.Reflection;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace TokenRouter.Admin;

/// <summary>
/// Completes the OpenAPI document that ASP.NET Core generates from the admin endpoints: the
/// title, both security schemes, and the /v1 API. The proxy's endpoints take raw bodies and are
/// left out of the generated part; they are described here from <see cref="ProxyOperations"/>.
/// </summary>
internal sealed class ApiDocument : IOpenApiDocumentTransformer
{
    public const string TeamTokenScheme = "team_token";
    public const string AdminPasswordScheme = "admin_password";
    private const string ProxyTag = "OpenAI-compatible API (/v1)";

    /// <summary>The /v1 operations, in the order the docs list them.</summary>
    internal static readonly IReadOnlyList<ProxyOperation> ProxyOperations =
    [
        new("/v1/chat/completions", "POST", "Chat completion, streaming (SSE) or not.",
            typeof(ChatCompletionRequest), typeof(ChatCompletion), typeof(ChatCompletionChunk)),
        new("/v1/completions", "POST", "Legacy text completion, streaming (SSE) or not.",
            typeof(CompletionRequest), typeof(Completion), typeof(Completion)),
        new("/v1/embeddings", "POST", "Embeddings of one or more inputs.", typeof(EmbeddingRequest), typeof(EmbeddingList)),
        new("/v1/responses", "POST", "A Responses API call, streaming (SSE) or not.",
            typeof(ResponseRequest), typeof(ResponseObject), typeof(System.Text.Json.JsonElement)),
        new("/v1/moderations", "POST", "Moderation of text or images.", typeof(ModerationRequest), typeof(ModerationResult)),
        new("/v1/images/generations", "POST", "Images from a prompt.", typeof(ImageRequest), typeof(ImagesResponse)),
        new("/v1/images/edits", "POST", "An edited image (multipart, passed through untouched).",
            null, typeof(ImagesResponse), Form: ["*image", "prompt", "model", "*mask", "n", "size"]),
        new("/v1/images/variations", "POST", "Variations of an image (multipart, passed through untouched).",
            null, typeof(ImagesResponse), Form: ["*image", "model", "n", "size"]),
        new("/v1/audio/speech", "POST", "Speech from text; the answer is the audio file.",
            typeof(SpeechRequest), null, BinaryResponse: "audio/mpeg"),
        new("/v1/audio/transcriptions", "POST", "Text from an audio file (multipart, passed through untouched).",
            null, typeof(Transcription), Form: ["*file", "model", "language", "prompt", "response_format", "temperature"]),
        new("/v1/audio/translations", "POST", "English text from an audio file (multipart, passed through untouched).",
            null, typeof(Transcription), Form: ["*file", "model", "prompt", "response_format", "temperature"]),
        new("/v1/models", "GET", "The models this team may use.", null, typeof(Proxy.ModelList)),
        new("/v1/models/{id}", "GET", "One model, if this team may use it.", null, typeof(Proxy.ModelObject)),
        new("/v1/usage", "GET", "The calling team's quota, usage, period and limits.", null, typeof(Proxy.TeamStanding)),
        new("/v1/dashboard/billing/subscription", "GET", "Legacy balance endpoint for chat UIs; amounts are tokens.",
            null, typeof(Proxy.BillingSubscription)),
        new("/v1/dashboard/billing/usage", "GET", "Legacy usage endpoint for chat UIs; total_usage is used tokens x 100.",
            null, typeof(Proxy.BillingUsage)),
    ];

    public async Task TransformAsync(
        OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info = new OpenApiInfo
        {
            Title = "TokenRouter",
            Version = typeof(ApiDocument).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()
                ?.InformationalVersion.Split('+')[0] ?? "0.0.0",
            Description =
                "An OpenAI-compatible gateway. `/v1` takes a team token (`sk-tr-...`) and works with the official " +
                "OpenAI SDKs; `/admin/api` takes the admin password as a Bearer token (or the panel's session).",
        };

        // No fixed server: the viewer calls the origin it was loaded from, wherever that is.
        document.Servers = [];

        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            [TeamTokenScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "A team token, sk-tr-... (also accepted in the api-key or x-api-key header).",
            },
            [AdminPasswordScheme] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                Description = "The ADMIN_PASSWORD. Browsers may use the session of POST /admin/api/login instead.",
            },
        };

        RequireAdminPassword(document);
        await AddProxyOperationsAsync(document, context, cancellationToken);
    }

    /// <summary>Every admin operation but login and session needs the password.</summary>
    private static void RequireAdminPassword(OpenApiDocument document)
    {
        var requirement = new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(AdminPasswordScheme, document)] = [],
        };
        foreach (var (path, item) in document.Paths)
        {
            if (path is "/admin/api/login" or "/admin/api/session" || item.Operations is null)
            {
                continue;
            }

            foreach (var operation in item.Operations.Values)
            {
                operation.Security = [requirement];
                operation.Responses ??= new OpenApiResponses();
                operation.Responses.TryAdd("401", new OpenApiResponse { Description = "Not authenticated." });
            }
        }
    }

    private static async Task AddProxyOperationsAsync(
        OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        var requirement = new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(TeamTokenScheme, document)] = [],
        };
        var error = await SchemaAsync(typeof(OpenAiError), document, context, cancellationToken);
        var tag = new OpenApiTagReference(ProxyTag, document);
        document.Tags ??= new HashSet<OpenApiTag>();
        document.Tags.Add(new OpenApiTag
        {
            Name = ProxyTag,
            Description = "Forwarded to the provider with its key; usage is charged to the caller's team.",
        });

        foreach (var op in ProxyOperations)
        {
            var operation = new OpenApiOperation
            {
                Summary = op.Summary,
                OperationId = op.OperationId,
                Tags = new HashSet<OpenApiTagReference> { tag },
                Security = [requirement],
                Responses = new OpenApiResponses(),
            };

            if (op.Path.Contains("{id}", StringComparison.Ordinal))
            {
                operation.Parameters =
                [
                    new OpenApiParameter
                    {
                        Name = "id",
                        In = ParameterLocation.Path,
                        Required = true,
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String },
                    },
                ];
            }

            if (op.Request is not null)
            {
                operation.RequestBody = new OpenApiRequestBody
                {
                    Required = true,
                    Content = new Dictionary<string, OpenApiMediaType>
                    {
                        ["application/json"] = new()
                        {
                            Schema = await SchemaAsync(op.Request, document, context, cancellationToken),
                        },
                    },
                };
            }
            else if (op.Form is not null)
            {
                operation.RequestBody = FormBody(op.Form);
            }

            var success = new OpenApiResponse { Description = "OK", Content = new Dictionary<string, OpenApiMediaType>() };
            if (op.Response is not null)
            {
                success.Content["application/json"] = new()
                {
                    Schema = await SchemaAsync(op.Response, document, context, cancellationToken),
                };
            }

            if (op.StreamEvent is not null)
            {
                success.Description = "OK; with \"stream\": true, server-sent events, each data line one JSON event.";
                success.Content["text/event-stream"] = new()
                {
                    Schema = await SchemaAsync(op.StreamEvent, document, context, cancellationToken),
                };
            }

            if (op.BinaryResponse is not null)
            {
                success.Content[op.BinaryResponse] = new()
                {
                    Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" },
                };
            }

            operation.Responses["200"] = success;
            foreach (var (status, description) in ProxyErrors)
            {
                operation.Responses[status] = new OpenApiResponse
                {
                    Description = description,
                    Content = new Dictionary<string, OpenApiMediaType> { ["application/json"] = new() { Schema = error } },
                };
            }

            document.Paths[op.Path] = new OpenApiPathItem
            {
                Operations = new Dictionary<HttpMethod, OpenApiOperation> { [new HttpMethod(op.Method)] = operation },
            };
        }
    }

    private static readonly (string Status, string Description)[] ProxyErrors =
    [
        ("400", "Malformed request (invalid JSON, missing model)."),
        ("401", "Missing, wrong, expired or disabled team token (invalid_api_key)."),
        ("404", "Model not allowed for this team (model_not_found), or unknown path."),
        ("413", "Request body over the size limit."),
        ("429", "Quota used up (insufficient_quota) or rate limit hit (rate_limit_exceeded); see Retry-After."),
        ("502", "The provider could not be reached."),
        ("504", "The provider went silent for longer than the idle timeout."),
    ];

    /// <summary>A multipart body; fields named with a leading '*' are files.</summary>
    private static OpenApiRequestBody FormBody(IReadOnlyList<string> fields) => new()
    {
        Required = true,
        Content = new Dictionary<string, OpenApiMediaType>
        {
            ["multipart/form-data"] = new()
            {
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Required = new HashSet<string> { fields[0].TrimStart('*') },
                    Properties = fields.ToDictionary(
                        field => field.TrimStart('*'),
                        IOpenApiSchema (field) => field.StartsWith('*')
                            ? new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" }
                            : new OpenApiSchema { Type = JsonSchemaType.String }),
                },
            },
        },
    };

    /// <summary>The schema of a documentation type, added once to the components and referenced.</summary>
    private static async Task<IOpenApiSchema> SchemaAsync(
        Type type, OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        if (type == typeof(System.Text.Json.JsonElement))
        {
            return new OpenApiSchema { Description = "One JSON event (e.g. response.output_text.delta, response.completed)." };
        }

        document.Components!.Schemas ??= new Dictionary<string, IOpenApiSchema>();
        if (!document.Components.Schemas.ContainsKey(type.Name))
        {
            document.Components.Schemas[type.Name] = await context.GetOrCreateSchemaAsync(type, null, cancellationToken);
        }

        return new OpenApiSchemaReference(type.Name, document);
    }
}

/// <summary>One /v1 operation as the docs describe it.</summary>
internal sealed record ProxyOperation(
    string Path,
    string Method,
    string Summary,
    Type? Request,
    Type? Response,
    Type? StreamEvent = null,
    string? BinaryResponse = null,
    IReadOnlyList<string>? Form = null)
{
    public string OperationId => ApiOperations.IdOf(Method, Path, "v1");
}
