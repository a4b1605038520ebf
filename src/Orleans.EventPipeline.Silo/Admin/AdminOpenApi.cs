using Microsoft.OpenApi;
using Orleans.EventPipeline.Silo.Dashboard;

namespace Orleans.EventPipeline.Silo.Admin;

/// <summary>
/// The admin API's OpenAPI document at <see cref="DocumentPath"/>, generated from the endpoints by
/// Microsoft.AspNetCore.OpenApi, and a reference page at <see cref="ReferencePath"/> that renders it with a
/// script the silo serves. Both are open: they describe the API and hold no tenant's data.
/// </summary>
public static class AdminOpenApi
{
    public const string DocumentName = "v1";

    public const string DocumentPath = "/admin/v1/openapi.json";

    public const string ReferencePath = "/admin/v1/reference";

    private const string SecuritySchemeName = "adminKey";

    public static IServiceCollection AddAdminOpenApi(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services.AddOpenApi(DocumentName, static options =>
        {
            // The admin API only: ingest and the shipper protocols are documented in the README and EVENT-SCHEMA.md.
            options.ShouldInclude = static description => description.RelativePath?.StartsWith("admin/v1", StringComparison.Ordinal) == true;
            options.AddDocumentTransformer(static (document, _, _) =>
            {
                document.Info.Title = "Orleans.EventPipeline admin API";
                document.Info.Description = "Tenants, their API keys, archive, dead letters and the hub's quarantine. Every call needs Authorization: Bearer <Pipeline:AdminApiKey>. Errors are application/problem+json with error (a stable code) and detail; a 400 about settings also has errors, the messages per field.";
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                document.Components.SecuritySchemes[SecuritySchemeName] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.Http,
                    Scheme = "bearer",
                    Description = "The admin key, Pipeline:AdminApiKey.",
                };
                document.Security ??= [];
                document.Security.Add(new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SecuritySchemeName, document)] = [] });
                return Task.CompletedTask;
            });
        });
    }

    public static WebApplication MapAdminOpenApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapOpenApi("/admin/{documentName}/openapi.json");
        app.MapGet(ReferencePath, static (HttpContext http) => UiAssets.Page(http, "reference.html")).ExcludeFromDescription();
        return app;
    }
}
