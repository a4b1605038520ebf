using Microsoft.Extensions.Options;

namespace Orleans.EventPipeline.Streaming.Derived;

/// <summary>Refuses derived-stream budgets smaller than the messages they must hold, with the fix.</summary>
/// <param name="section">Configuration path the options are bound from, e.g. <c>Pipeline:DerivedStreams</c>, named in each failure.</param>
public sealed class DerivedStreamOptionsValidator(string section) : IValidateOptions<DerivedStreamOptions>
{
    private static readonly DerivedStreamOptions Defaults = new();

    public ValidateOptionsResult Validate(string? name, DerivedStreamOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.MaxQueueBytes < DerivedStreamOptions.LeastMaxQueueBytes)
        {
            failures.Add($"{section}:{nameof(DerivedStreamOptions.MaxQueueBytes)} is {options.MaxQueueBytes}: use at least {DerivedStreamOptions.LeastMaxQueueBytes} bytes (the largest message), e.g. {Defaults.MaxQueueBytes}.");
        }

        if (options.MaxCacheBytes < DerivedStreamOptions.LeastMaxCacheBytes)
        {
            failures.Add($"{section}:{nameof(DerivedStreamOptions.MaxCacheBytes)} is {options.MaxCacheBytes}: use at least {DerivedStreamOptions.LeastMaxCacheBytes} bytes, e.g. {Defaults.MaxCacheBytes}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
