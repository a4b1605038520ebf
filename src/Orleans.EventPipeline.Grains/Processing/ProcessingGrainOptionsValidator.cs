using Microsoft.Extensions.Options;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>Every processing setting out of its range, each with the fix.</summary>
/// <param name="section">Configuration path the options are bound from, e.g. <c>Pipeline:Processing</c>, named in each failure.</param>
public sealed class ProcessingGrainOptionsValidator(string section) : IValidateOptions<ProcessingGrainOptions>
{
    /// <summary>Most dead letters kept per tenant: each is rewritten with the tenant's state.</summary>
    public const int MaxRetainedDeadLetters = 10_000;

    /// <summary>Most dead-letter bytes kept per tenant, 16 MiB.</summary>
    public const int MaxRetainedDeadLetterBytes = 16 * 1024 * 1024;

    /// <summary>Most keyed letter messages remembered per tenant: about 40 bytes each in the state, 400 KB at this bound (an Azure Table entity holds 1 MB).</summary>
    public const int MaxRememberedKeyedLetterMessages = 10_000;

    private static readonly TimeSpan ShortestRefresh = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongestRefresh = TimeSpan.FromMinutes(10);
    private static readonly ProcessingGrainOptions Defaults = new();

    public ValidateOptionsResult Validate(string? name, ProcessingGrainOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.SettingsRefreshInterval < ShortestRefresh || options.SettingsRefreshInterval > LongestRefresh)
        {
            failures.Add($"{section}:SettingsRefreshInterval {options.SettingsRefreshInterval} is out of range: use {ShortestRefresh} to {LongestRefresh} (default {Defaults.SettingsRefreshInterval}).");
        }

        if (options.RetainedDeadLetters is < 0 or > MaxRetainedDeadLetters)
        {
            failures.Add($"{section}:RetainedDeadLetters {options.RetainedDeadLetters} is out of range: use 0 to {MaxRetainedDeadLetters} (default {Defaults.RetainedDeadLetters}); each is rewritten with the tenant's state.");
        }

        if (options.RetainedDeadLetterBytes is < 0 or > MaxRetainedDeadLetterBytes)
        {
            failures.Add($"{section}:RetainedDeadLetterBytes {options.RetainedDeadLetterBytes} is out of range: use 0 to {MaxRetainedDeadLetterBytes} (default {Defaults.RetainedDeadLetterBytes}).");
        }

        if (options.RememberedKeyedLetterMessages is < 0 or > MaxRememberedKeyedLetterMessages)
        {
            failures.Add($"{section}:RememberedKeyedLetterMessages {options.RememberedKeyedLetterMessages} is out of range: use 0 to {MaxRememberedKeyedLetterMessages} (default {Defaults.RememberedKeyedLetterMessages}); each is rewritten with the tenant's state.");
        }

        if (options.MaxReorderBytes < ProcessingGrainOptions.LeastMaxReorderBytes)
        {
            failures.Add($"{section}:MaxReorderBytes {options.MaxReorderBytes} is below {ProcessingGrainOptions.LeastMaxReorderBytes}: use at least that (default {Defaults.MaxReorderBytes}).");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
