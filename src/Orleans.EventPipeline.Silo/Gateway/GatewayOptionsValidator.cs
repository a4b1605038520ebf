using Microsoft.Extensions.Options;

namespace Orleans.EventPipeline.Silo.Gateway;

/// <summary>Every wrong limit of the ingest API, each with the fix.</summary>
public sealed class GatewayOptionsValidator : IValidateOptions<GatewayOptions>
{
    private const string SectionName = GatewayOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, GatewayOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        if (options.MaxBodyBytes < 1024)
        {
            failures.Add($"{SectionName}:MaxBodyBytes is {options.MaxBodyBytes}: use at least 1024 bytes.");
        }

        if (options.MaxDecompressedBytes < options.MaxBodyBytes)
        {
            failures.Add($"{SectionName}:MaxDecompressedBytes ({options.MaxDecompressedBytes}) is below MaxBodyBytes ({options.MaxBodyBytes}): raise it, an uncompressed body of MaxBodyBytes must fit.");
        }

        if (options.MaxDecompressedBytes > int.MaxValue / 2)
        {
            failures.Add($"{SectionName}:MaxDecompressedBytes is {options.MaxDecompressedBytes}: use at most {int.MaxValue / 2} (1 GiB).");
        }

        if (options.MaxEventBytes is < 64 or > Framing.FramedEvents.MaxStoredEventBytes)
        {
            failures.Add($"{SectionName}:MaxEventBytes is {options.MaxEventBytes}: use 64 to {Framing.FramedEvents.MaxStoredEventBytes}, an event must fit one Event Hubs message.");
        }

        if (options.MaxInFlightBytes < options.OneRequestPeakBytes)
        {
            failures.Add($"{SectionName}:MaxInFlightBytes is {options.MaxInFlightBytes}: use at least {options.OneRequestPeakBytes}, what one request at MaxDecompressedBytes ({options.MaxDecompressedBytes}) holds: its body and its frames.");
        }

        if (options.ApiKeyCacheDuration < TimeSpan.Zero || options.ApiKeyCacheDuration > TimeSpan.FromHours(1))
        {
            failures.Add($"{SectionName}:ApiKeyCacheDuration is {options.ApiKeyCacheDuration}: use 00:00:00 to 01:00:00.");
        }

        if (options.DurableWriteTimeout < TimeSpan.FromSeconds(1))
        {
            failures.Add($"{SectionName}:DurableWriteTimeout is {options.DurableWriteTimeout}: use at least 00:00:01.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
