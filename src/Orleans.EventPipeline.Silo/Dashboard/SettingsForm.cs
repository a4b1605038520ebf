using System.Globalization;
using System.Text.Json;
using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processing.Enrichment;
using Orleans.EventPipeline.Silo.Admin;
using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Silo.Dashboard;

/// <summary>
/// A tenant's settings as the tenant page's form holds them: text, so that a value that does not parse is
/// shown back as typed, next to its message. Checked with the same <see cref="TenantSettings.Validate"/> as the API.
/// </summary>
internal sealed record SettingsForm(
    string DisplayName,
    bool Enabled,
    string EventsPerSecond,
    string BytesPerSecond,
    string BurstSeconds,
    string ShardCount,
    string IdempotencyWindow,
    string Processing,
    string Version)
{
    /// <param name="indented">The API's JSON settings, indented: the processing settings as the textarea shows them.</param>
    public static SettingsForm From(TenantSettings settings, long version, JsonSerializerOptions indented) => new(
        settings.DisplayName,
        settings.Enabled,
        settings.Limits.EventsPerSecond.ToString("R", CultureInfo.InvariantCulture),
        settings.Limits.BytesPerSecond.ToString("R", CultureInfo.InvariantCulture),
        settings.Limits.BurstSeconds.ToString("R", CultureInfo.InvariantCulture),
        settings.ShardCount.ToString(CultureInfo.InvariantCulture),
        settings.IdempotencyWindow.ToString("c", CultureInfo.InvariantCulture),
        JsonSerializer.Serialize(settings.Processing, indented),
        version.ToString(CultureInfo.InvariantCulture));

    public static SettingsForm From(IFormCollection form) => new(
        form["displayName"].ToString(),
        form["enabled"].ToString() == "on",
        form["eventsPerSecond"].ToString(),
        form["bytesPerSecond"].ToString(),
        form["burstSeconds"].ToString(),
        form["shardCount"].ToString(),
        form["idempotencyWindow"].ToString(),
        form["processing"].ToString(),
        form["version"].ToString());

    /// <summary>The version the page showed, which the change needs in store (If-Match); null when the form's is not a number.</summary>
    public long? ShownVersion => UiForms.Version(Version);

    /// <summary>The settings, or every problem by field (the API's field names).</summary>
    /// <param name="lookups">The only directory the enrichment's files may be read from.</param>
    public (TenantSettings? Settings, Dictionary<string, List<string>> Errors) Parse(JsonSerializerOptions json, LookupDirectory lookups)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var events = Number("limits.eventsPerSecond", EventsPerSecond, errors);
        var bytes = Number("limits.bytesPerSecond", BytesPerSecond, errors);
        var burst = Number("limits.burstSeconds", BurstSeconds, errors);
        if (!int.TryParse(ShardCount, NumberStyles.Integer, CultureInfo.InvariantCulture, out var shards))
        {
            Add(errors, "shardCount", $"shardCount '{ShardCount}' is not a whole number: use 1 to 64.");
        }

        if (!TimeSpan.TryParse(IdempotencyWindow, CultureInfo.InvariantCulture, out var window))
        {
            Add(errors, "idempotencyWindow", $"idempotencyWindow '{IdempotencyWindow}' is not a duration: write it as d.hh:mm:ss, e.g. 1.00:00:00 for a day.");
        }

        if (ShownVersion is null)
        {
            Add(errors, "version", UiForms.BadVersion("Not saved", Version));
        }

        // An emptied box or `null` would have saved the defaults, wiping parsers and enrichment unasked:
        // like the API's null, it is refused, and {} asks for the defaults. Read as strictly as the API reads it: a
        // misspelt member ignored, or a member given twice, would put settings back to their defaults unasked.
        ProcessingSettings? processing = null;
        try
        {
            processing = JsonSerializer.Deserialize<ProcessingSettings>(string.IsNullOrWhiteSpace(Processing) ? "null" : Processing, AdminJsonBody.StrictOf(json));
            if (processing is null)
            {
                Add(errors, "processing", $"processing is {(string.IsNullOrWhiteSpace(Processing) ? "empty" : "null")}: give the processing settings as JSON, {{}} for the defaults (parse and enrich nothing).");
            }
        }
        catch (JsonException exception)
        {
            Add(errors, "processing", $"processing is not valid JSON for the processing settings: {AdminJsonBody.Describe(exception, typeof(ProcessingSettings), "the text")}");
        }

        if (errors.Count > 0)
        {
            return (null, errors);
        }

        var settings = new TenantSettings(DisplayName.Trim(), Enabled)
        {
            Limits = new TenantLimits(events, bytes, burst),
            ShardCount = shards,
            IdempotencyWindow = window,
            Processing = processing!,
        };
        foreach (var problem in TenantSettingsCheck.Problems(settings, lookups))
        {
            Add(errors, AdminProblems.FieldOf(problem), problem);
        }

        return errors.Count > 0 ? (null, errors) : (settings, errors);
    }

    private static double Number(string field, string text, Dictionary<string, List<string>> errors)
    {
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && double.IsFinite(value))
        {
            return value;
        }

        Add(errors, field, $"{field} '{text}' is not a number.");
        return 0;
    }

    private static void Add(Dictionary<string, List<string>> errors, string field, string message)
    {
        if (!errors.TryGetValue(field, out var list))
        {
            errors[field] = list = [];
        }

        list.Add(message);
    }
}
