using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Processing.Tests.Normalization;

public sealed class SettingsValidationTests
{
    [Fact]
    public void Validate_Defaults_HasNoErrors()
    {
        Assert.Empty(new ProcessingSettings().Validate());
    }

    [Fact]
    public void Validate_EveryProblem_IsReportedWithItsSettingAndFix()
    {
        var settings = new ProcessingSettings
        {
            Normalization = new NormalizationSettings { Json = new JsonFieldMapping { Body = "msg", Host = "msg" } },
            Enrichment = new EnrichmentSettings
            {
                LookupTables = [new LookupTableSettings { Name = "assets", MatchField = "host.name", KeyColumn = "host" }],
                GeoIp = new GeoIpSettings { DatabasePath = "", IpFields = [] },
            },
            Ordering = new OrderingSettings { LatenessWindow = TimeSpan.FromHours(2), MaxBufferedEvents = 0 },
        };

        var errors = settings.Validate();

        Assert.Contains(errors, static e => e.Contains("Normalization.Json.Host maps field \"msg\"", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.Contains("Enrichment.LookupTables[0]: set exactly one of Path", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.Contains("Enrichment.GeoIp.DatabasePath is blank", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.Contains("Enrichment.GeoIp.IpFields", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.Contains("Ordering.LatenessWindow", StringComparison.Ordinal));
        Assert.Contains(errors, static e => e.Contains("Ordering.MaxBufferedEvents 0", StringComparison.Ordinal));
        Assert.Equal(6, errors.Count);
    }
}
