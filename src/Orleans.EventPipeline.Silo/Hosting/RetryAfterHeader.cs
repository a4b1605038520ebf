using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>
/// The one way every answer of the silo says when to come back (ingest, HEC, OTLP/HTTP, the admin key's limit):
/// whole seconds, rounded up so a client never returns early, and at least 1 because shippers read 0 as "at once".
/// </summary>
public static class RetryAfterHeader
{
    /// <summary>Whole seconds for <paramref name="wait"/>; 1 when none is known.</summary>
    public static int Seconds(TimeSpan? wait) =>
        Math.Max(1, (int)Math.Ceiling((wait ?? TimeSpan.FromSeconds(1)).TotalSeconds));

    /// <summary>Sets <c>Retry-After</c> on <paramref name="response"/> to <see cref="Seconds"/> of <paramref name="wait"/>.</summary>
    public static void Set(HttpResponse response, TimeSpan? wait)
    {
        ArgumentNullException.ThrowIfNull(response);
        response.Headers.RetryAfter = Seconds(wait).ToString(CultureInfo.InvariantCulture);
    }
}
