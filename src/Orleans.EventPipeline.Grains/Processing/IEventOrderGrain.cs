namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>The order stage of one tenant stream key; activated by its normalized stream.</summary>
public interface IEventOrderGrain : IGrainWithStringKey;
