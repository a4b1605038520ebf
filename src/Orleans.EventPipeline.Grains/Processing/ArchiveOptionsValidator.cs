using Microsoft.Extensions.Options;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>Every archive setting the stage cannot work with, each with the fix. Where objects go depends on the host's mode and is checked by the host.</summary>
/// <param name="section">Configuration path the options are bound from, e.g. <c>Pipeline:Archive</c>, named in each failure.</param>
public sealed class ArchiveOptionsValidator(string section) : IValidateOptions<ArchiveOptions>
{
    private static readonly ArchiveOptions Defaults = new();

    public ValidateOptionsResult Validate(string? name, ArchiveOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>(options.Validate(section));
        if (options.MaxAge > ArchiveOptions.MaxAgeLimit)
        {
            failures.Add($"{section}:MaxAge {options.MaxAge} is longer than {ArchiveOptions.MaxAgeLimit}: a buffer holds its partition's checkpoint, and a crash replays the partition from its oldest event; use at most {ArchiveOptions.MaxAgeLimit}.");
        }

        if (options.FlushCheckInterval <= TimeSpan.Zero || options.FlushCheckInterval > options.MaxAge)
        {
            failures.Add($"{section}:FlushCheckInterval {options.FlushCheckInterval} must be above 0 and at most {section}:MaxAge ({options.MaxAge}); the default is {Defaults.FlushCheckInterval}.");
        }

        if (options.MaxBufferedBytes < options.MaxBytes)
        {
            failures.Add($"{section}:MaxBufferedBytes {options.MaxBufferedBytes} is below {section}:MaxBytes ({options.MaxBytes}): the silo's buffers together must hold at least one full buffer; the default is {Defaults.MaxBufferedBytes}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
