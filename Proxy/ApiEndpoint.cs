namespace TokenRouter.Proxy;

/// <summary>How a /v1 endpoint's request body is read.</summary>
internal enum BodyKind
{
    Json,
    Multipart,
    None,

    /// <summary>Decided by the request's Content-Type (JSON, multipart, or anything else untouched).</summary>
    ByContentType,
}

/// <summary>A provider endpoint TokenRouter forwards, and what it knows of its shape.</summary>
/// <param name="Path">The path below the provider's base URL, e.g. "chat/completions".</param>
/// <param name="Body">How to read the model and options from the request.</param>
/// <param name="StreamReportsUsage">Streams report usage only when asked with stream_options.</param>
/// <param name="StreamEndsWithDone">A complete stream ends with "data: [DONE]".</param>
internal sealed record ApiEndpoint(string Path, BodyKind Body, bool StreamReportsUsage, bool StreamEndsWithDone)
{
    public static readonly ApiEndpoint ChatCompletions = new("chat/completions", BodyKind.Json, true, true);
    public static readonly ApiEndpoint Completions = new("completions", BodyKind.Json, true, true);
    public static readonly ApiEndpoint Responses = new("responses", BodyKind.Json, false, false);
    public static readonly ApiEndpoint Embeddings = new("embeddings", BodyKind.Json, false, false);
    public static readonly ApiEndpoint Moderations = new("moderations", BodyKind.Json, false, false);
    public static readonly ApiEndpoint ImageGenerations = new("images/generations", BodyKind.Json, false, false);
    public static readonly ApiEndpoint ImageEdits = new("images/edits", BodyKind.Multipart, false, false);
    public static readonly ApiEndpoint ImageVariations = new("images/variations", BodyKind.Multipart, false, false);
    public static readonly ApiEndpoint AudioSpeech = new("audio/speech", BodyKind.Json, false, false);
    public static readonly ApiEndpoint AudioTranscriptions = new("audio/transcriptions", BodyKind.Multipart, false, false);
    public static readonly ApiEndpoint AudioTranslations = new("audio/translations", BodyKind.Multipart, false, false);

    public static readonly IReadOnlyList<ApiEndpoint> Known =
    [
        ChatCompletions, Completions, Responses, Embeddings, Moderations, ImageGenerations, ImageEdits,
        ImageVariations, AudioSpeech, AudioTranscriptions, AudioTranslations,
    ];

    /// <summary>Any other /v1 path, forwarded only when the operator allows it.</summary>
    public static ApiEndpoint Other(string path) => new(path, BodyKind.ByContentType, false, false);

    /// <summary>
    /// The endpoint of a path below /v1 that routing did not match as it came, such as
    /// "/chat//completions": empty and dot segments dropped, then a known endpoint (for POST,
    /// the only method they are mapped for) or another path.
    /// </summary>
    /// <remarks>
    /// The path is later appended to the provider's base URL. Dropping these segments keeps it
    /// below that URL's path: "//host/x" would otherwise name another host, "/x" the server's
    /// root, and ".." a level above.
    /// </remarks>
    public static ApiEndpoint ForPath(string path, string method)
    {
        var clean = string.Join('/', path.Split('/').Where(segment => segment is not ("" or "." or "..")));
        var known = HttpMethods.IsPost(method) ? Known.FirstOrDefault(e => e.Path == clean) : null;
        return known ?? Other(clean);
    }

    public string Route => "/v1/" + Path;

    /// <summary>Where this endpoint is at the provider: its path appended to the base URL's own path.</summary>
    public Uri ProviderUrl(Uri baseUrl, string? query)
    {
        var root = baseUrl.GetLeftPart(UriPartial.Path);

        // PathString escapes what a URL path cannot hold and keeps escapes already there (%2F).
        var path = new PathString("/" + Path).ToUriComponent();
        return new Uri(root.TrimEnd('/') + path + query);
    }
}
