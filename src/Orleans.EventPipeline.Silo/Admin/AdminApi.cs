using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Silo.Hosting;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>What every admin endpoint shares: the admin-key filter and the tenant id check.</summary>
internal static class AdminApi
{
    /// <summary>
    /// Needs <c>Authorization: Bearer {Pipeline:AdminApiKey}</c> (the scheme in any case, like ingest), the key
    /// compared in constant time; with no admin key configured the admin API is off.
    /// </summary>
    public static async ValueTask<object?> RequireAdminKey(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var configured = context.HttpContext.RequestServices.GetRequiredService<IOptions<PipelineOptions>>().Value.AdminApiKey;
        if (string.IsNullOrEmpty(configured))
        {
            return ApiProblem.Result(StatusCodes.Status403Forbidden, "admin_disabled", "The admin API is off: set Pipeline:AdminApiKey to enable it.");
        }

        var presented = Encoding.UTF8.GetBytes(BearerToken.Parse(context.HttpContext.Request.Headers.Authorization.ToString()) ?? "");
        if (!CryptographicOperations.FixedTimeEquals(presented, Encoding.UTF8.GetBytes(configured)))
        {
            context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
            return ApiProblem.Result(StatusCodes.Status401Unauthorized, "unauthorized", "Send 'Authorization: Bearer <Pipeline:AdminApiKey>'.");
        }

        return await next(context);
    }

    public static IResult BadTenantId(string tenantId) => ApiProblem.Result(
        StatusCodes.Status400BadRequest,
        "invalid_tenant_id",
        $"'{tenantId}' is not a tenant id: use {TenantId.Rule}.");
}
