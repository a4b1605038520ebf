using System.Net;
using Microsoft.Extensions.Options;

namespace Orleans.EventPipeline.EventHubsEmulator.Hosting;

/// <summary>Checks <see cref="EmulatorOptions"/> at start and reports every problem with how to fix it.</summary>
public sealed class EmulatorOptionsValidator : IValidateOptions<EmulatorOptions>
{
    private const int MaxPartitions = 1024;

    // Below 1 KiB even one small event with the SDK's annotations does not fit; above 100 MiB
    // (the Dedicated tier's limit) a single transfer would be held in memory uncomfortably.
    private const int MinMessageSize = 1024;
    private const int MaxMessageSize = 100 << 20;

    // A connection that has not opened may stay no longer than an opened one may stay silent: the
    // idle timeout the server asks clients for (EventHubsEmulatorServer).
    private static readonly TimeSpan MaxOpenTimeout = TimeSpan.FromMilliseconds(EventHubsEmulatorServer.IdleTimeoutMilliseconds);

    public ValidateOptionsResult Validate(string? name, EmulatorOptions options)
    {
        var failures = new List<string>();
        const string Section = EmulatorOptions.SectionName;

        if (!IPAddress.TryParse(options.ListenAddress, out _))
        {
            failures.Add($"{Section}:ListenAddress '{options.ListenAddress}' is not an IP address; use e.g. 127.0.0.1 (loopback) or 0.0.0.0 (all interfaces).");
        }

        if (options.Port is < 0 or > 65535)
        {
            failures.Add($"{Section}:Port {options.Port} is out of range; use 1-65535, or 0 to pick a free port.");
        }

        if (options.Hubs.Count == 0)
        {
            failures.Add($"{Section}:Hubs is empty; add at least one hub, e.g. {Section}:Hubs:events:PartitionCount=4.");
        }

        foreach ((string hub, EventHubDefinition definition) in options.Hubs)
        {
            if (string.IsNullOrWhiteSpace(hub) || hub.AsSpan().IndexOfAny(['/', '\\', ':', '?', '#']) >= 0 || hub is "." or "..")
            {
                failures.Add($"{Section}:Hubs key '{hub}' is not a valid hub name; use letters, digits, '.', '-' and '_' only.");
            }

            if (definition.PartitionCount is < 1 or > MaxPartitions)
            {
                failures.Add($"{Section}:Hubs:{hub}:PartitionCount {definition.PartitionCount} is out of range; use 1-{MaxPartitions}.");
            }

            foreach (string group in definition.ConsumerGroups.Where(static g => string.IsNullOrWhiteSpace(g) || g.Contains('/', StringComparison.Ordinal)))
            {
                failures.Add($"{Section}:Hubs:{hub}:ConsumerGroups has the invalid name '{group}'; consumer group names must be non-empty and contain no '/'.");
            }
        }

        if (options.SharedAccessKeys.Count == 0)
        {
            failures.Add($"{Section}:SharedAccessKeys is empty; add a key, e.g. {Section}:SharedAccessKeys:RootManageSharedAccessKey=<base64 key>.");
        }

        foreach ((string keyName, string key) in options.SharedAccessKeys)
        {
            if (string.IsNullOrEmpty(key))
            {
                failures.Add($"{Section}:SharedAccessKeys:{keyName} is empty; set the key the clients' connection strings carry.");
            }
        }

        if (string.IsNullOrWhiteSpace(options.DataDirectory))
        {
            failures.Add($"{Section}:DataDirectory is empty; set a folder for the partition logs, e.g. ./.data/eventhubs.");
        }

        if (options.RetentionPeriod <= TimeSpan.Zero)
        {
            failures.Add($"{Section}:RetentionPeriod {options.RetentionPeriod} must be positive, e.g. 1.00:00:00 for one day.");
        }

        if (options.SegmentBytes < options.MaxMessageSizeBytes)
        {
            failures.Add($"{Section}:SegmentBytes {options.SegmentBytes} is smaller than MaxMessageSizeBytes {options.MaxMessageSizeBytes}; a segment must hold at least one event.");
        }

        if (options.RetentionBytesPerPartition < options.SegmentBytes)
        {
            failures.Add($"{Section}:RetentionBytesPerPartition {options.RetentionBytesPerPartition} is smaller than SegmentBytes {options.SegmentBytes}; keep at least one segment.");
        }

        if (options.MaxMessageSizeBytes is < MinMessageSize or > MaxMessageSize)
        {
            failures.Add($"{Section}:MaxMessageSizeBytes {options.MaxMessageSizeBytes} is out of range; use {MinMessageSize}-{MaxMessageSize} (1048576 = 1 MiB, the Standard tier).");
        }

        if (options.OpenTimeout <= TimeSpan.Zero || options.OpenTimeout > MaxOpenTimeout)
        {
            failures.Add($"{Section}:OpenTimeout {options.OpenTimeout} is out of range; use more than 0 and at most {MaxOpenTimeout}, e.g. 00:00:10.");
        }

        if (options.MaxConnections < 1)
        {
            failures.Add($"{Section}:MaxConnections {options.MaxConnections} must be at least 1, e.g. 1000.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
