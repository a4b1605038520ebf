namespace Orleans.EventPipeline.Silo.Gateway.Hec;

/// <summary>A whole HEC body that cannot be read: nothing of it is stored.</summary>
public sealed class HecBodyException(HecCode code, int? eventNumber, string message) : Exception(message)
{
    public HecCode Code { get; } = code;

    public int? EventNumber { get; } = eventNumber;
}
