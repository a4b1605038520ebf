namespace Orleans.EventPipeline.Client;

/// <summary>
/// A send under <see cref="SpoolFullMode.Fail"/> found the spool full: none of the call's events was taken, so the
/// caller still has them to keep or retry.
/// </summary>
public sealed class SpoolFullException : Exception
{
    public SpoolFullException()
    {
    }

    public SpoolFullException(string message)
        : base(message)
    {
    }

    public SpoolFullException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The spool's bound, <see cref="EventPipelineClientOptions.MaxSpoolBytes"/>.</summary>
    public long MaxSpoolBytes { get; init; }
}
