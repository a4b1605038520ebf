using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Grains.Ingest;

/// <summary>Refuses ingest settings that would make a write fail at Event Hubs or a lease useless, each with the fix.</summary>
/// <param name="section">Configuration path the options are bound from, e.g. <c>Pipeline:Ingest</c>, named in each failure.</param>
/// <param name="maxEventBytes">The gateway's largest accepted event: one must always fit a message with its frame prefix.</param>
public sealed class IngestOptionsValidator(string section, int maxEventBytes) : IValidateOptions<IngestOptions>
{
    /// <summary>Event Hubs refuses a message over 1,048,576 bytes with its AMQP framing and properties.</summary>
    public const int EventHubsMessageLimit = 1_000_000;

    private static readonly IngestOptions Defaults = new();

    public ValidateOptionsResult Validate(string? name, IngestOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var smallest = maxEventBytes + EventFrames.PrefixBytes;
        if (options.MaxMessageBytes < smallest || options.MaxMessageBytes > EventHubsMessageLimit)
        {
            failures.Add($"{section}:{nameof(IngestOptions.MaxMessageBytes)} is {options.MaxMessageBytes}: use {smallest} (the largest event the gateway accepts, {maxEventBytes} bytes, with its {EventFrames.PrefixBytes}-byte frame prefix) to {EventHubsMessageLimit}, e.g. {Defaults.MaxMessageBytes}.");
        }

        if (options.RateLeasePeriod < TimeSpan.FromMilliseconds(1) || options.RateLeasePeriod > TimeSpan.FromSeconds(1))
        {
            failures.Add($"{section}:{nameof(IngestOptions.RateLeasePeriod)} is {options.RateLeasePeriod}: use 00:00:00.001 to 00:00:01, e.g. {Defaults.RateLeasePeriod}; a longer lease lets idle shards hold more of a tenant's rate.");
        }

        if (options.UnavailableRetryAfter < TimeSpan.FromSeconds(1) || options.UnavailableRetryAfter > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{section}:{nameof(IngestOptions.UnavailableRetryAfter)} is {options.UnavailableRetryAfter}: use 00:00:01 to 00:05:00, e.g. {Defaults.UnavailableRetryAfter} (Retry-After is whole seconds).");
        }

        if (options.IdempotencySweepInterval < TimeSpan.FromSeconds(1) || options.IdempotencySweepInterval > TimeSpan.FromHours(1))
        {
            failures.Add($"{section}:{nameof(IngestOptions.IdempotencySweepInterval)} is {options.IdempotencySweepInterval}: use 00:00:01 to 01:00:00, e.g. {Defaults.IdempotencySweepInterval}; records past their window wait this long for deletion.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
