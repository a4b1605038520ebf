using System.Globalization;

namespace Orleans.EventPipeline.Tenants;

/// <summary>What an administrator sets on a tenant.</summary>
/// <param name="ShardCount">
/// Stream keys the tenant's events are spread over (1 to 64). Each shard has its own ingest grain and processor
/// (placed on different silos) and its own time order; more shards use more Event Hubs partitions and silos.
/// </param>
[GenerateSerializer, Immutable]
public sealed record TenantSettings(
    [property: Id(0)] string DisplayName,
    [property: Id(1)] bool Enabled)
{
    [Id(2)] public TenantLimits Limits { get; init; } = TenantLimits.Default;

    [Id(3)] public int ShardCount { get; init; } = 1;

    /// <summary>How long an Idempotency-Key is remembered; 24 h unless set.</summary>
    [Id(4)] public TimeSpan IdempotencyWindow { get; init; } = DefaultIdempotencyWindow;

    /// <summary>
    /// Longest display name, in the API and on the dashboard: a name is shown on every row of the tenants
    /// page, which refreshes every 5 s, so an unbounded one made each refresh megabytes.
    /// </summary>
    public const int MaxDisplayNameLength = 200;

    /// <summary>Most stream keys a tenant is spread over.</summary>
    public const int MaxShardCount = 64;

    /// <summary>The window of a tenant that sets none.</summary>
    public static readonly TimeSpan DefaultIdempotencyWindow = TimeSpan.FromHours(24);

    /// <summary>The shortest window a tenant may set.</summary>
    public static readonly TimeSpan MinIdempotencyWindow = TimeSpan.FromMinutes(1);

    /// <summary>The longest window a tenant may set: no Idempotency-Key needs remembering longer.</summary>
    public static readonly TimeSpan MaxIdempotencyWindow = TimeSpan.FromDays(7);

    /// <summary>
    /// How the tenant's events are parsed, enriched and ordered; the defaults parse and enrich nothing.
    /// Compared by content: the settings records compare their dictionaries and lists item by item.
    /// </summary>
    [Id(5)] public Events.ProcessingSettings Processing { get; init; } = new();

    /// <summary>Every problem with these settings, each saying how to fix it; empty when valid.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (string.IsNullOrWhiteSpace(DisplayName))
        {
            problems.Add("displayName is empty: give the tenant a name people recognise.");
        }
        else if (DisplayName.Length > MaxDisplayNameLength)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"displayName is {DisplayName.Length} characters long: use at most {MaxDisplayNameLength}."));
        }
        else if (PrintableText.FirstControlCharacter(DisplayName) is var at and >= 0)
        {
            problems.Add(PrintableText.ControlCharacterProblem("displayName", DisplayName, at));
        }

        if (ShardCount is < 1 or > MaxShardCount)
        {
            problems.Add($"shardCount is {ShardCount}: use 1 to {MaxShardCount}.");
        }

        if (IdempotencyWindow < MinIdempotencyWindow || IdempotencyWindow > MaxIdempotencyWindow)
        {
            problems.Add(string.Create(CultureInfo.InvariantCulture, $"idempotencyWindow is {IdempotencyWindow:c}: use between {MinIdempotencyWindow:c} and {MaxIdempotencyWindow:c}."));
        }

        problems.AddRange(Limits.Validate());
        if (Processing is null)
        {
            problems.Add("processing is null: omit it for the defaults or give the processing settings.");
        }
        else
        {
            problems.AddRange(Processing.Validate());
        }

        return problems;
    }
}
