using Orleans.Runtime.Providers;

namespace Orleans.EventPipeline.Tests.Streaming;

/// <summary>A delivery backoff of one fixed delay, so a test sees retries in milliseconds rather than Orleans' 1-30 s.</summary>
internal sealed class FixedBackoff(TimeSpan delay) : IMessageDeliveryBackoffProvider
{
    public TimeSpan Next(int attempt) => delay;
}
