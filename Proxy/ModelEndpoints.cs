using TokenRouter.Storage;

namespace TokenRouter.Proxy;

/// <summary>GET /v1/models and /v1/models/{id}: the models this team may use, in OpenAI's list format.</summary>
internal static class ModelEndpoints
{
    // ALLOWED_MODELS says nothing of when a model was made; a fixed date keeps the list stable.
    private static readonly long Created = new DateTimeOffset(2024, 1, 1, 0, 0, 0, TimeSpan.Zero).ToUnixTimeSeconds();

    public static async Task ListAsync(
        HttpContext context, TeamAuthenticator authenticator, ModelCatalog catalog, UsageCharger books)
    {
        var account = authenticator.Authenticate(context.Request, out var error);
        if (account is null)
        {
            await error!.WriteAsync(context.Response);
            return;
        }

        var list = new ModelList("list", catalog.VisibleTo(account.Team).Select(Describe).ToList());
        await books.RecordFreeAsync(context, account, "models", StatusCodes.Status200OK);
        await context.Response.WriteAsJsonAsync(list, ProxyJsonContext.Default.ModelList);
    }

    public static async Task GetAsync(
        HttpContext context, string id, TeamAuthenticator authenticator, ModelCatalog catalog, UsageCharger books)
    {
        var account = authenticator.Authenticate(context.Request, out var error);
        if (account is null)
        {
            await error!.WriteAsync(context.Response);
            return;
        }

        if (id.Length > LogText.MaxLength)
        {
            await books.RecordFreeAsync(context, account, "models", StatusCodes.Status400BadRequest, LogText.Cap(id));
            await OpenAIError.ModelTooLong(id).WriteAsync(context.Response);
            return;
        }

        var model = catalog.Resolve(id, account.Team);
        await books.RecordFreeAsync(context, account, "models/" + id, model is null ? 404 : 200, model ?? id);
        if (model is null)
        {
            await OpenAIError.ModelNotFound($"The model '{id}' does not exist or your team does not have access to it.")
                .WriteAsync(context.Response);
            return;
        }

        await context.Response.WriteAsJsonAsync(Describe(model), ProxyJsonContext.Default.ModelObject);
    }

    private static ModelObject Describe(string id) => new(id, "model", Created, "tokenrouter");
}
