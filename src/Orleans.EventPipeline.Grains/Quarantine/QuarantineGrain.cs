using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Streams;
using Orleans.Runtime;
using Orleans.Streams;

namespace Orleans.EventPipeline.Grains.Quarantine;

/// <summary>
/// Receives the messages of one partition that the stream adapter could not decode and makes each
/// durable in the archive store (<see cref="QuarantineStore"/>) before it returns, so Orleans moves past a
/// message only once it is kept; a failed write throws and Orleans delivers the message again.
/// </summary>
[ImplicitStreamSubscription(QuarantinedMessage.Namespace)]
public sealed partial class QuarantineGrain(IArchiveStore archive, ILogger<QuarantineGrain> logger) : Grain, IQuarantineGrain
{
    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        await this.GetStreamProvider(PipelineStreams.ProviderName)
            .GetStream<QuarantinedMessage>(StreamId.Create(QuarantinedMessage.Namespace, this.GetPrimaryKeyString()))
            .SubscribeAsync(OnMessageAsync);
    }

    private async Task OnMessageAsync(QuarantinedMessage message, StreamSequenceToken? token)
    {
        var name = QuarantineStore.NameOf(message.Partition, message.SequenceNumber);
        await QuarantineStore.WriteAsync(archive, message, CancellationToken.None);
        LogKept(logger, message.Partition, message.SequenceNumber, name);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Kept quarantined message {SequenceNumber} of partition {Partition} as {ObjectName}")]
    private static partial void LogKept(ILogger logger, string partition, long sequenceNumber, string objectName);
}
