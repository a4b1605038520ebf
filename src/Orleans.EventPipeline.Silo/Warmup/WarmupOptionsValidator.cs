using Microsoft.Extensions.Options;

namespace Orleans.EventPipeline.Silo.Warmup;

/// <summary>Refuses a warm-up pace or bound that would not warm anything, or hold readiness back for minutes.</summary>
public sealed class WarmupOptionsValidator : IValidateOptions<WarmupOptions>
{
    private const int MinEventsPerSecond = StartupWarmup.EventsPerRequest;
    private const int MaxEventsPerSecond = 1_000_000;
    // One connection sends them one at a time: 50 a second would need each 0.5 MB request answered within 20 ms.
    private const int MaxLargeRequestsPerSecond = 50;
    private static readonly TimeSpan MinLongest = TimeSpan.FromSeconds(1);
    private static readonly WarmupOptions Defaults = new();

    public ValidateOptionsResult Validate(string? name, WarmupOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.EventsPerSecond is < MinEventsPerSecond or > MaxEventsPerSecond)
        {
            failures.Add($"{WarmupOptions.SectionName}:{nameof(WarmupOptions.EventsPerSecond)} is {options.EventsPerSecond}: use {MinEventsPerSecond} to {MaxEventsPerSecond}, e.g. {Defaults.EventsPerSecond}; or set {WarmupOptions.SectionName}:{nameof(WarmupOptions.Enabled)} to false.");
        }

        if (options.LargeRequestsPerSecond is < 0 or > MaxLargeRequestsPerSecond)
        {
            failures.Add($"{WarmupOptions.SectionName}:{nameof(WarmupOptions.LargeRequestsPerSecond)} is {options.LargeRequestsPerSecond}: use 0 (none, the default) to {MaxLargeRequestsPerSecond}, each about 0.5 MB/s into the hub while the warm-up lasts.");
        }

        if (options.Longest < MinLongest || options.Longest > WarmupOptions.MaxLongest)
        {
            failures.Add($"{WarmupOptions.SectionName}:{nameof(WarmupOptions.Longest)} is {options.Longest}: use {MinLongest:c} to {WarmupOptions.MaxLongest:c}, e.g. {Defaults.Longest:c}; the silo reports ready no later than this after it started listening.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
