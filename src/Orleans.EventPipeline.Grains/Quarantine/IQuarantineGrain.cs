namespace Orleans.EventPipeline.Grains.Quarantine;

/// <summary>One per Event Hubs partition: keeps the partition's quarantined messages (<see cref="QuarantineGrain"/>).</summary>
public interface IQuarantineGrain : IGrainWithStringKey;
