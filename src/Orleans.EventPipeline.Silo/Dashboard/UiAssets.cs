using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.Net.Http.Headers;

namespace Orleans.EventPipeline.Silo.Dashboard;

/// <summary>
/// The files under Dashboard/Assets, embedded in the silo's assembly at build and served from memory at
/// <c>/ui/assets/{name}</c>: the dashboard needs nothing from outside the silo, so it works with no internet.
/// </summary>
public static class UiAssets
{
    public const string RoutePrefix = "/ui/assets";

    private const string ResourcePrefix = "Assets/";

    private static readonly Lazy<FrozenDictionary<string, Asset>> All = new(Load);

    public static IEndpointRouteBuilder MapUiAssets(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(RoutePrefix + "/{name}", static (string name) =>
            All.Value.TryGetValue(name, out var asset)
                ? Results.Bytes(asset.Content, asset.ContentType, entityTag: asset.ETag)
                : Results.NotFound()).ExcludeFromDescription();
        return endpoints;
    }

    /// <summary>An asset that is a whole page (the API reference), answered at its own route with the pages' headers.</summary>
    public static IResult Page(HttpContext http, string name)
    {
        ArgumentNullException.ThrowIfNull(http);
        Html.SetPageHeaders(http.Response);
        return Results.Bytes(All.Value[name].Content, All.Value[name].ContentType);
    }

    private static FrozenDictionary<string, Asset> Load()
    {
        var assembly = typeof(UiAssets).Assembly;
        var assets = new Dictionary<string, Asset>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames().Where(static n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            var content = copy.ToArray();
            var name = resource[ResourcePrefix.Length..];
            assets[name] = new Asset(content, ContentTypeOf(name), new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(SHA256.HashData(content))[..16]}\""));
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string ContentTypeOf(string name) => Path.GetExtension(name) switch
    {
        ".css" => "text/css; charset=utf-8",
        ".js" => "text/javascript; charset=utf-8",
        ".html" => "text/html; charset=utf-8",
        ".svg" => "image/svg+xml",
        _ => "application/octet-stream",
    };

    private sealed record Asset(byte[] Content, string ContentType, EntityTagHeaderValue ETag);
}
