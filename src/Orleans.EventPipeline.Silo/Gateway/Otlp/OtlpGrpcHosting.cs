using System.Net;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Silo.Hosting;
using Orleans.EventPipeline.Silo.Roles;

namespace Orleans.EventPipeline.Silo.Gateway.Otlp;

/// <summary>
/// OTLP over gRPC on a port of its own: HTTP/2 without TLS needs a listener that speaks only HTTP/2 (a client
/// of cleartext h2c sends it with prior knowledge; a listener of both versions can only tell them apart by
/// TLS). Kestrel serves either its <c>Urls</c> or listeners set in code, not both, so with the gRPC listener
/// the <c>Urls</c> (else <c>HTTP_PORTS</c>/<c>HTTPS_PORTS</c>, else Kestrel's default) are set up here as listeners
/// too, as Kestrel would have, and the settings are cleared so the host does not hand them to Kestrel again.
/// </summary>
internal static class OtlpGrpcHosting
{
    /// <summary>Kestrel's own address when nothing is configured.</summary>
    private const string KestrelDefaultUrl = "http://localhost:5000";

    /// <summary>Whether a silo of <paramref name="role"/> opens the OTLP/gRPC listener: a processor serves no ingest (the manifests declare the port by this).</summary>
    internal static bool Listens(PipelineRole role) => ClusterRoles.ServesIngest(role);

    public static void AddOtlpGrpc(this WebApplicationBuilder builder, PipelineOptions options)
    {
        if (!Listens(options.Role))
        {
            return;
        }

        builder.Services.AddGrpc();
        // The body limits of every front (OtlpGrpcLimits): gRPC's own message limit is off, as its refusal cannot
        // name the setting, and its gzip gives way to one that stops at the decompressed limit. Its deflate is
        // removed, not limited: it inflated a message past MaxDecompressedBytes (389 KB to 400 MB) and answered a
        // corrupt one UNKNOWN. OTLP names gzip as its only compression, so no OTLP exporter sends deflate; a call
        // that does is answered UNIMPLEMENTED naming the encodings taken, as one in zstd is.
        builder.Services.AddOptions<GrpcServiceOptions>().Configure<IOptions<GatewayOptions>>(static (grpc, gateway) =>
        {
            grpc.MaxReceiveMessageSize = null;
            for (var i = grpc.CompressionProviders.Count - 1; i >= 0; i--)
            {
                if (grpc.CompressionProviders[i].EncodingName is "gzip" or "deflate")
                {
                    grpc.CompressionProviders.RemoveAt(i);
                }
            }

            grpc.CompressionProviders.Insert(0, new OtlpGrpcLimits.Gzip(gateway.Value.MaxDecompressedBytes));
        });
        builder.Services.AddTransient<IStartupFilter, GrpcRequests>();

        var urls = HttpUrls(builder.Configuration);
        builder.WebHost.UseSetting(WebHostDefaults.ServerUrlsKey, "");
        builder.WebHost.UseSetting(WebHostDefaults.HttpPortsKey, "");
        builder.WebHost.UseSetting(WebHostDefaults.HttpsPortsKey, "");
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            foreach (var url in urls)
            {
                Listen(kestrel, url.Host, url.Port, listen =>
                {
                    if (url.Scheme == "https")
                    {
                        listen.UseHttps();
                    }
                });
            }

            Listen(kestrel, urls[0].Host, options.Shippers.OtlpGrpcPort, static listen => listen.Protocols = HttpProtocols.Http2);
        });
    }

    /// <summary>
    /// Every gRPC request, before anything reads it: its body gets the wire limit, and an answer about bytes that are not
    /// one whole message becomes the client's error. Grpc.AspNetCore reads a unary call's message before the service runs
    /// and answers a body that is not one whole message (empty, cut short, bytes after it, a compressed flag without
    /// grpc-encoding) with INTERNAL, gRPC's 500. It is the client's: INVALID_ARGUMENT, which OTLP clients do not retry,
    /// naming what was wrong. The service itself never answers INTERNAL, and a call it answered has started its response;
    /// so an INTERNAL answered "trailers-only", in the headers before anything was sent, is about the request's bytes.
    /// </summary>
    private sealed class GrpcRequests(IOptions<GatewayOptions> gateway) : IStartupFilter
    {
        private const string Internal = "13";
        private const string InvalidArgument = "3";

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use((context, nextStep) =>
            {
                if (OtlpGrpcLimits.IsGrpc(context.Request))
                {
                    context.Request.Body = OtlpGrpcLimits.LimitBody(context.Request.Body, gateway.Value);
                    context.Response.OnStarting(UnreadableToInvalidArgument, context.Response);
                }

                return nextStep(context);
            });
            next(app);
        };

        private static Task UnreadableToInvalidArgument(object state)
        {
            var headers = ((HttpResponse)state).Headers;
            if (headers["grpc-status"] == Internal)
            {
                var reason = Uri.UnescapeDataString(headers["grpc-message"].ToString());
                headers["grpc-status"] = InvalidArgument;
                headers["grpc-message"] = Uri.EscapeDataString(
                    $"The request is not one whole gRPC message ({reason}): send one length-prefixed ExportLogsServiceRequest per call, compressed only with grpc-encoding.");
            }

            return Task.CompletedTask;
        }
    }

    private static List<BindingAddress> HttpUrls(ConfigurationManager configuration)
    {
        var urls = configuration[WebHostDefaults.ServerUrlsKey];
        if (string.IsNullOrWhiteSpace(urls))
        {
            var ports = (configuration[WebHostDefaults.HttpPortsKey] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(static p => $"http://*:{p}")
                .Concat((configuration[WebHostDefaults.HttpsPortsKey] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(static p => $"https://*:{p}"));
            urls = string.Join(';', ports);
        }

        var parsed = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(BindingAddress.Parse).ToList();
        return parsed.Count > 0 ? parsed : [BindingAddress.Parse(KestrelDefaultUrl)];
    }

    /// <summary>As Kestrel binds an address: an IP as is, <c>localhost</c> on both loopbacks, anything else (<c>*</c>, <c>+</c>, a name) on every address.</summary>
    private static void Listen(KestrelServerOptions kestrel, string host, int port, Action<ListenOptions> configure)
    {
        if (IPAddress.TryParse(host.Trim('[', ']'), out var address))
        {
            kestrel.Listen(address, port, configure);
        }
        else if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
        {
            kestrel.ListenLocalhost(port, configure);
        }
        else
        {
            kestrel.ListenAnyIP(port, configure);
        }
    }
}
