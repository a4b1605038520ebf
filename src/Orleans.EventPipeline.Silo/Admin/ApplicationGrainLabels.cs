using System.Text;
using System.Text.RegularExpressions;
using Microsoft.Net.Http.Headers;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>
/// Makes the Orleans Dashboard show the pipeline's grains as application grains. The dashboard labels a
/// grain "System Grain" when its type name starts with <c>Orleans.</c>, a test in its page script
/// (<c>index.min.js</c>, embedded in the dashboard's assembly), and ours are <c>Orleans.EventPipeline.*</c>.
/// Renaming the grain classes' namespaces would move every grain and every persisted type name; instead
/// the dashboard's own script is served with that one test narrowed to exclude <c>Orleans.EventPipeline.</c>.
/// Everything else of the dashboard is served by the dashboard, unchanged.
/// </summary>
public static partial class ApplicationGrainLabels
{
    /// <summary>The namespace of our grains (and the sample grains), which the narrowed test leaves out.</summary>
    public const string ApplicationNamespace = "Orleans.EventPipeline.";

    public const string ScriptResource = "Orleans.Dashboard.wwwroot.index.min.js";

    private static readonly Lazy<Script?> Patched = new(Load);

    /// <summary>Endpoint filter of the dashboard's routes: answers <c>index.min.js</c> with the patched script.</summary>
    public static async ValueTask<object?> ServeScript(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (!context.HttpContext.Request.Path.Value!.EndsWith("/index.min.js", StringComparison.Ordinal))
        {
            return await next(context);
        }

        if (Patched.Value is not { } script)
        {
            // A dashboard version whose script no longer has the test: serve it as it is (the labels may be
            // wrong again), and say so; DashboardGrainLabelTests fails on such an upgrade.
            var logger = context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(ApplicationGrainLabels).FullName!);
            LogScriptNotPatched(logger, ScriptResource);
            return await next(context);
        }

        return Results.Bytes(script.Content, "text/javascript; charset=utf-8", entityTag: script.ETag);
    }

    /// <summary>The dashboard's script with its system-grain test narrowed; null when the test is not found.</summary>
    public static string? Patch(string script)
    {
        ArgumentNullException.ThrowIfNull(script);
        var patched = SystemGrainTest().Replace(script, static match =>
        {
            var grain = match.Groups["grain"].Value;
            return $"({match.Value}&&!{grain}.startsWith(`{ApplicationNamespace}`))";
        });
        return ReferenceEquals(patched, script) || patched == script ? null : patched;
    }

    private static Script? Load()
    {
        using var stream = typeof(Orleans.Dashboard.DashboardOptions).Assembly.GetManifestResourceStream(ScriptResource);
        if (stream is null)
        {
            return null;
        }

        using var reader = new StreamReader(stream, Encoding.UTF8);
        var patched = Patch(reader.ReadToEnd());
        if (patched is null)
        {
            return null;
        }

        var content = Encoding.UTF8.GetBytes(patched);
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content))[..16];
        return new Script(content, new EntityTagHeaderValue($"\"{hash}\""));
    }

    // `x.grainType.startsWith(`Orleans.`)` in the minified script, whatever the minifier named x.
    [GeneratedRegex(@"(?<grain>[A-Za-z_$][\w$]*\.grainType)\.startsWith\(`Orleans\.`\)", RegexOptions.CultureInvariant)]
    private static partial Regex SystemGrainTest();

    [LoggerMessage(Level = LogLevel.Warning, Message = "The Orleans Dashboard's script {Resource} has no system-grain test to narrow; the pipeline's grains may show as system grains")]
    private static partial void LogScriptNotPatched(ILogger logger, string resource);

    private sealed record Script(byte[] Content, EntityTagHeaderValue ETag);
}
