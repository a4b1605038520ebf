using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Silo.Hosting;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>What every admin endpoint shares: the admin-key filter and the tenant id check.</summary>
internal static class AdminApi
{
    /// <summary>
    /// Needs <c>Authorization: Bearer {Pipeline:AdminApiKey}</c>, compared in constant time; with no
    /// admin key configured the admin API is off.
    /// </summary>
    public static async ValueTask<object?> RequireAdminKey(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var configured = context.HttpContext.RequestServices.GetRequiredService<IOptions<PipelineOptions>>().Value.AdminApiKey;
        if (string.IsNullOrEmpty(configured))
        {
            return Results.Problem(statusCode: 403, title: "admin_disabled", detail: "The admin API is off: set Pipeline:AdminApiKey to enable it.");
        }

        var presented = Encoding.UTF8.GetBytes(context.HttpContext.Request.Headers.Authorization.ToString());
        var expected = Encoding.UTF8.GetBytes("Bearer " + configured);
        if (!CryptographicOperations.FixedTimeEquals(presented, expected))
        {
            return Results.Problem(statusCode: 401, title: "unauthorized", detail: "Send 'Authorization: Bearer <Pipeline:AdminApiKey>'.");
        }

        return await next(context);
    }

    public static IResult BadTenantId(string tenantId) => Results.Problem(
        statusCode: 400,
        title: "invalid_tenant_id",
        detail: $"'{tenantId}' is not a tenant id: use 1 to 63 lower-case letters, digits and '-', starting with a letter or digit.");
}
