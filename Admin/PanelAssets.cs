using System.Collections.Frozen;
using System.IO.Compression;
using System.Reflection;
using System.Security.Cryptography;

namespace TokenRouter.Admin;

/// <summary>
/// The panel's static files, read once from the resources embedded in the executable
/// (LogicalName <c>wwwroot/&lt;path&gt;</c>), each with its content type, a strong ETag and,
/// where it pays, gzip and brotli copies made at start rather than per request.
/// </summary>
internal sealed class PanelAssets
{
    private const string ResourcePrefix = "wwwroot/";

    // Below this size a compressed copy saves less than the headers that announce it.
    private const int CompressionThreshold = 1024;

    private readonly FrozenDictionary<string, PanelAsset> _byPath;

    private PanelAssets(FrozenDictionary<string, PanelAsset> byPath) => _byPath = byPath;

    public int Count => _byPath.Count;

    /// <summary>Finds a file by its exact path under wwwroot, e.g. <c>assets/app.js</c>.</summary>
    public PanelAsset? Find(string path) => _byPath.GetValueOrDefault(path);

    public static PanelAssets Load(Assembly assembly)
    {
        var assets = new Dictionary<string, PanelAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            // Windows builds name embedded resources with backslashes.
            var logical = name.Replace('\\', '/');
            if (!logical.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            {
                continue;
            }

            using var stream = assembly.GetManifestResourceStream(name)!;
            using var buffer = new MemoryStream();
            stream.CopyTo(buffer);
            var path = logical[ResourcePrefix.Length..];
            assets[path] = Create(path, buffer.ToArray());
        }

        return new PanelAssets(assets.ToFrozenDictionary(StringComparer.Ordinal));
    }

    private static PanelAsset Create(string path, byte[] content) => FromContent(ContentTypeOf(path), content);

    /// <summary>A file made at run time (the OpenAPI document), with its ETag and compressed copies.</summary>
    public static PanelAsset FromContent(string contentType, byte[] content)
    {
        var identity = Representation(content, encoding: null);
        if (!IsCompressible(contentType) || content.Length < CompressionThreshold)
        {
            return new PanelAsset(contentType, identity, Gzip: null, Brotli: null);
        }

        return new PanelAsset(
            contentType,
            identity,
            Gzip: WorthIt(content, GzipCompress(content), "gzip"),
            Brotli: WorthIt(content, BrotliCompress(content), "br"));
    }

    private static PanelRepresentation? WorthIt(byte[] original, byte[] compressed, string encoding) =>
        compressed.Length < original.Length * 9 / 10 ? Representation(compressed, encoding) : null;

    // A strong ETag per representation: the SHA-256 of the exact bytes sent, so a gzip copy
    // and the plain file never share a tag.
    private static PanelRepresentation Representation(byte[] body, string? encoding) =>
        new(body, $"\"{Base64Url(SHA256.HashData(body))}\"", encoding);

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static byte[] GzipCompress(byte[] content)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.SmallestSize))
        {
            gzip.Write(content);
        }

        return output.ToArray();
    }

    private static byte[] BrotliCompress(byte[] content)
    {
        var output = new byte[BrotliEncoder.GetMaxCompressedLength(content.Length)];
        return BrotliEncoder.TryCompress(content, output, out var written, quality: 11, window: 22)
            ? output[..written]
            : content;
    }

    private static bool IsCompressible(string contentType) =>
        contentType.StartsWith("text/", StringComparison.Ordinal)
        || contentType.StartsWith("application/json", StringComparison.Ordinal)
        || contentType.StartsWith("image/svg+xml", StringComparison.Ordinal);

    private static string ContentTypeOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml; charset=utf-8",
        ".json" => "application/json; charset=utf-8",
        ".txt" => "text/plain; charset=utf-8",
        ".png" => "image/png",
        ".ico" => "image/x-icon",
        ".woff2" => "font/woff2",
        _ => "application/octet-stream",
    };
}

/// <summary>One panel file: how it is typed and the encodings it can be sent in.</summary>
internal sealed record PanelAsset(
    string ContentType,
    PanelRepresentation Identity,
    PanelRepresentation? Gzip,
    PanelRepresentation? Brotli)
{
    public bool HasCompressedCopies => Gzip is not null || Brotli is not null;
}

/// <summary>The bytes of one encoding of a file, with their ETag; Encoding is null for the plain bytes.</summary>
internal sealed record PanelRepresentation(ReadOnlyMemory<byte> Body, string ETag, string? Encoding);
