using Orleans.EventPipeline.Silo.Gateway;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>What every admin endpoint shares: the tenant id check. The admin key is checked by <see cref="Authentication.AdminPolicies.Api"/>.</summary>
internal static class AdminApi
{
    public static IResult BadTenantId(string tenantId) => ApiProblem.Result(
        StatusCodes.Status400BadRequest,
        "invalid_tenant_id",
        // Quoted bounded: the id is whatever the caller put in the path, of any length.
        $"{QuotedValue.Of(tenantId)} is not a tenant id: use {TenantId.Rule}.");
}
