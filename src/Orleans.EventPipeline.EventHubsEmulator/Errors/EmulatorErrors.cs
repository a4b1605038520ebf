using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Encoding;

namespace Orleans.EventPipeline.EventHubsEmulator.Errors;

/// <summary>
/// The AMQP errors the emulator sends. Conditions and wording follow what the Event Hubs SDK maps to
/// typed exceptions (for example "could not be found" plus amqp:not-found becomes a non-retriable
/// EventHubsException with reason ResourceNotFound).
/// </summary>
internal static class EmulatorErrors
{
    public static readonly AmqpSymbol LinkStolen = "amqp:link:stolen";
    public static readonly AmqpSymbol MessageSizeExceeded = "amqp:link:message-size-exceeded";

    public static AmqpException EntityNotFound(string entity) =>
        new(AmqpErrorCode.NotFound, $"The messaging entity '{entity}' could not be found.");

    public static AmqpException Stolen(string description) =>
        new(new Microsoft.Azure.Amqp.Framing.Error { Condition = LinkStolen, Description = description });

    public static AmqpException ReceiverLimit(string entity, int limit) =>
        new(AmqpErrorCode.ResourceLimitExceeded,
            $"Exceeded the maximum number of allowed receivers per partition in a consumer group which is {limit}. Entity: '{entity}'.");

    public static AmqpException NotImplemented(string what) => new(AmqpErrorCode.NotImplemented, what);

    public static AmqpException Corruption(string entity, string detail) =>
        new(AmqpErrorCode.InternalError, $"The stored data of '{entity}' is corrupt and cannot be served: {detail}");

    public static AmqpException Internal(string entity, string detail) =>
        new(AmqpErrorCode.InternalError, $"The emulator failed while serving '{entity}': {detail}");

    public static Microsoft.Azure.Amqp.Framing.Error TooLarge(long size, long limit) => new()
    {
        Condition = MessageSizeExceeded,
        Description = $"The message of {size} bytes is larger than the maximum allowed size of {limit} bytes (EmulatorOptions.MaxMessageSizeBytes).",
    };

    public static readonly AmqpSymbol ServerBusy = "com.microsoft:server-busy";

    public static Microsoft.Azure.Amqp.Framing.Error StoreFailed(string entity, string detail) => new()
    {
        Condition = AmqpErrorCode.InternalError,
        Description = $"The events could not be stored in '{entity}': {detail}",
    };

    /// <summary>
    /// The partition's disk is full. amqp:resource-limit-exceeded becomes a non-transient
    /// EventHubsException (QuotaExceeded), so the SDK fails the send at once instead of holding the
    /// caller through its retries; nothing was stored, and the caller may retry later.
    /// </summary>
    public static Microsoft.Azure.Amqp.Framing.Error StoreFull(string entity, string detail) => new()
    {
        Condition = AmqpErrorCode.ResourceLimitExceeded,
        Description = $"The events could not be stored in '{entity}': its disk is full. Nothing of this transfer was stored; retry once space is freed. {detail}",
    };

    /// <summary>
    /// The partition's log cannot write for another I/O reason and is recovering. server-busy becomes a
    /// transient EventHubsException (ServiceBusy), which the SDK retries with backoff.
    /// </summary>
    public static Microsoft.Azure.Amqp.Framing.Error StoreUnavailable(string entity, string detail) => new()
    {
        Condition = ServerBusy,
        Description = $"The events could not be stored in '{entity}': the partition's storage failed and is recovering. Nothing of this transfer was stored; retry later. {detail}",
    };
}
