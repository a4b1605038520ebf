using Microsoft.Extensions.Options;

namespace Orleans.EventPipeline.Streaming.Caching;

/// <summary>Refuses cache ages Orleans cannot use, a wake delay out of range, or that would keep more than half an hour in memory, a byte budget too small for the cache's blocks, and a prefetch out of range, each with the fix.</summary>
/// <param name="section">Configuration path the options are bound from, e.g. <c>Pipeline:StreamCache</c>, named in each failure.</param>
public sealed class StreamCacheOptionsValidator(string section) : IValidateOptions<StreamCacheOptions>
{
    private static readonly StreamCacheOptions Defaults = new();

    public ValidateOptionsResult Validate(string? name, StreamCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        Check(failures, nameof(StreamCacheOptions.MinTimeInCache), options.MinTimeInCache, Defaults.MinTimeInCache);
        Check(failures, nameof(StreamCacheOptions.MaxRelativeAge), options.MaxRelativeAge, Defaults.MaxRelativeAge);
        Check(failures, nameof(StreamCacheOptions.WakeAfter), options.WakeAfter, Defaults.WakeAfter);
        if (options.MaxBytes < StreamCacheOptions.LeastMaxBytes)
        {
            failures.Add($"{section}:{nameof(StreamCacheOptions.MaxBytes)} is {options.MaxBytes}: use at least {StreamCacheOptions.LeastMaxBytes} bytes, e.g. {Defaults.MaxBytes}.");
        }

        if (options.PrefetchCount is < 1 or > StreamCacheOptions.MostPrefetchCount)
        {
            failures.Add($"{section}:{nameof(StreamCacheOptions.PrefetchCount)} is {options.PrefetchCount}: use 1 to {StreamCacheOptions.MostPrefetchCount} messages, e.g. {Defaults.PrefetchCount}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private void Check(List<string> failures, string key, TimeSpan value, TimeSpan example)
    {
        if (value <= TimeSpan.Zero || value > StreamCacheOptions.Longest)
        {
            failures.Add($"{section}:{key} is {value}: use a duration above zero and at most {StreamCacheOptions.Longest}, e.g. {example}.");
        }
    }
}
