using Orleans.EventPipeline.Tenants;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>What a stream key's processor keeps across crashes: positions on the raw stream, and the settings it processes them under.</summary>
[GenerateSerializer]
public sealed class ProcessorState
{
    /// <summary>The last raw-stream sequence number whose events are durable in the archive; -1 before the first object.</summary>
    [Id(0)] public long ArchivedThrough { get; set; } = -1;

    /// <summary>
    /// The last raw-stream sequence number whose dead letters may be on the dead-letter stream: written before they are
    /// sent, so a replay of a batch at or below it sends them again, under <see cref="Settings"/>, and the dead-letter
    /// store drops the repeats by their source.
    /// </summary>
    [Id(1)] public long DeadLetteredThrough { get; set; } = -1;

    /// <summary>The tenant settings version the batches from <see cref="SettingsFrom"/> on are processed under; -1 when none was recorded.</summary>
    [Id(2)] public long SettingsVersion { get; set; } = -1;

    /// <summary>Those settings: a replay after a crash meets them, also when the tenant's have changed since.</summary>
    [Id(3)] public TenantSettings? Settings { get; set; }

    /// <summary>
    /// The first raw-stream sequence number processed under <see cref="SettingsVersion"/>. Settings change only when every
    /// batch before is archived and recorded or dead-lettered, so a replay takes nothing from a batch before it.
    /// </summary>
    [Id(4)] public long SettingsFrom { get; set; }

    /// <summary>
    /// The last raw-stream sequence number of an archive object that may be written and not yet recorded in
    /// <see cref="ArchivedThrough"/>: written before the object, so that a crash before its record replays through it
    /// under <see cref="Settings"/> and rebuilds the same object, which supersedes it; -1 before the first object.
    /// </summary>
    [Id(5)] public long WritingThrough { get; set; } = -1;
}
