using System.Net;
using Microsoft.AspNetCore.HttpOverrides;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>
/// Whether a request came straight from a client on the silo's own machine: over loopback, and not relayed. A
/// proxy on the machine (a local nginx, a sidecar) connects over loopback on behalf of anyone who reaches it, and
/// says so with X-Forwarded-For or Forwarded; with ASP.NET Core's forwarded headers on
/// (<c>ASPNETCORE_FORWARDEDHEADERS_ENABLED</c>) the connection's address is replaced by the one the header names,
/// and the connection's own is kept in X-Original-For, so a forged <c>X-Forwarded-For: 127.0.0.1</c> is not loopback either.
/// A proxy that says nothing (some service meshes' inbound sidecars) cannot be told from a local client: where one
/// runs, a surface must not rely on this alone (the metrics key, docs/OPERATIONS.md).
/// </summary>
internal static class LoopbackCaller
{
    // RFC 7239's standard form of X-Forwarded-For.
    private const string Forwarded = "Forwarded";

    public static bool Is(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var address = context.Connection.RemoteIpAddress;
        var plain = address is { IsIPv4MappedToIPv6: true } ? address.MapToIPv4() : address;
        var headers = context.Request.Headers;
        return plain is not null
            && IPAddress.IsLoopback(plain)
            && !headers.ContainsKey(ForwardedHeadersDefaults.XOriginalForHeaderName)
            && !headers.ContainsKey(ForwardedHeadersDefaults.XForwardedForHeaderName)
            && !headers.ContainsKey(Forwarded);
    }
}
