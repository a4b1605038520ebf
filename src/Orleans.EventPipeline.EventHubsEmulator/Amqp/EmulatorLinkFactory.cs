using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Encoding;
using Microsoft.Azure.Amqp.Framing;
using Microsoft.Azure.Amqp.Transport;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.EventHubsEmulator.Cbs;
using Orleans.EventPipeline.EventHubsEmulator.Consuming;
using Orleans.EventPipeline.EventHubsEmulator.Errors;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;
using Orleans.EventPipeline.EventHubsEmulator.Hubs;
using Orleans.EventPipeline.EventHubsEmulator.Log;
using Orleans.EventPipeline.EventHubsEmulator.Management;
using Orleans.EventPipeline.EventHubsEmulator.Producing;

namespace Orleans.EventPipeline.EventHubsEmulator.Amqp;

/// <summary>
/// Decides what every attached link is: the <c>$cbs</c> and <c>$management</c> nodes, a producer
/// (the client sends to <c>/{hub}</c> or <c>/{hub}/Partitions/{p}</c>) or a consumer (the client
/// receives from <c>/{hub}/ConsumerGroups/{cg}/Partitions/{p}</c>). Unknown entities are refused in
/// <see cref="CreateLink"/> (the session attaches and detaches an error link); admission rules that
/// depend on other links (owner level, receiver limit) are applied in <see cref="BeginOpenLink"/>.
/// </summary>
internal sealed partial class EmulatorLinkFactory : IRuntimeProvider
{
    private static readonly AmqpSymbol IdempotentProducer = "com.microsoft:idempotent-producer";
    private static readonly AmqpSymbol RuntimeMetric = "com.microsoft:enable-receiver-runtime-metric";
    private static readonly AmqpSymbol Epoch = "com.microsoft:epoch";

    // Unsettled transfers a producer link may have in flight. The SDK awaits each send, so one
    // client uses 1 at a time; 100 leaves room for pipelining clients while bounding buffered
    // data to 100 x max-message-size.
    private const uint ProducerCredit = 100;

    private readonly HubRegistry _hubs;
    private readonly CbsNode _cbs;
    private readonly ConnectionAuthorizations _authorizations;
    private readonly ManagementNode _management;
    private readonly EmulatorOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;

    public EmulatorLinkFactory(HubRegistry hubs, CbsNode cbs, ConnectionAuthorizations authorizations, ManagementNode management, EmulatorOptions options, TimeProvider timeProvider, ILoggerFactory loggerFactory)
    {
        _hubs = hubs;
        _cbs = cbs;
        _authorizations = authorizations;
        _management = management;
        _options = options;
        _timeProvider = timeProvider;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<EmulatorLinkFactory>();
    }

    public AmqpConnection CreateConnection(TransportBase transport, ProtocolHeader protocolHeader, bool isInitiator, AmqpSettings amqpSettings, AmqpConnectionSettings connectionSettings) =>
        new(transport, protocolHeader, isInitiator, amqpSettings, connectionSettings);

    public AmqpSession CreateSession(AmqpConnection connection, AmqpSessionSettings settings) => new(connection, settings, this);

    public AmqpLink CreateLink(AmqpSession session, AmqpLinkSettings settings)
    {
        bool clientSends = settings.Role == true;
        string? address = AddressOf(settings, clientSends);
        if (address is CbsNode.Address or ManagementNode.Address)
        {
            return clientSends ? new ReceivingAmqpLink(session, settings) : new SendingAmqpLink(session, settings);
        }

        (EventHubEntity hub, PartitionEntity? partition, EntityAddress entity) = Resolve(address);
        if (!_authorizations.IsAuthorized(session.Connection, hub.Name))
        {
            throw new AmqpException(AmqpErrorCode.UnauthorizedAccess, $"No valid token for '{hub.Name}' was put on $cbs on this connection; send a put-token request before attaching.");
        }

        if (clientSends)
        {
            if (entity.ConsumerGroup is not null)
            {
                throw new AmqpException(AmqpErrorCode.NotAllowed, $"Cannot send to the consumer group address '{address}'; send to '/{hub.Name}' or '/{hub.Name}/Partitions/{{id}}'.");
            }

            if (settings.DesiredCapabilities?.Contains(IdempotentProducer) == true)
            {
                throw EmulatorErrors.NotImplemented("The emulator does not implement idempotent publishing; disable EnableIdempotentPartitions.");
            }

            // The SDK sizes its batches from this value; without it every send fails with "-1 bytes".
            settings.MaxMessageSize = (ulong)_options.MaxMessageSizeBytes;
            settings.TotalLinkCredit = ProducerCredit;
            settings.AutoSendFlow = true;
            return new ReceivingAmqpLink(session, settings);
        }

        if (entity.ConsumerGroup is null || partition is null)
        {
            throw new AmqpException(AmqpErrorCode.NotAllowed, $"Receive from '/{hub.Name}/ConsumerGroups/{{group}}/Partitions/{{id}}', not '{address}'.");
        }

        if (!hub.HasConsumerGroup(entity.ConsumerGroup))
        {
            throw EmulatorErrors.EntityNotFound($"{hub.Name}/ConsumerGroups/{entity.ConsumerGroup}");
        }

        if (settings.DesiredCapabilities?.Contains(RuntimeMetric) == true)
        {
            settings.OfferedCapabilities = new Multiple<AmqpSymbol>([RuntimeMetric]);
        }

        settings.MaxMessageSize = (ulong)_options.MaxMessageSizeBytes;
        return new SendingAmqpLink(session, settings);
    }

    public IAsyncResult BeginOpenLink(AmqpLink link, TimeSpan timeout, AsyncCallback callback, object state)
    {
        string? address = AddressOf(link.Settings, link.IsReceiver);
        switch (address)
        {
            case CbsNode.Address:
                _cbs.Attach(link);
                break;
            case ManagementNode.Address:
                _management.Attach(link);
                break;
            default:
                (EventHubEntity hub, PartitionEntity? partition, EntityAddress entity) = Resolve(address);
                if (link is ReceivingAmqpLink producer)
                {
                    new PublisherLink(producer, hub, partition, _options.MaxMessageSizeBytes, _loggerFactory.CreateLogger<PublisherLink>()).Start();
                    LogProducerAttached(_logger, address!);
                }
                else
                {
                    OpenConsumer((SendingAmqpLink)link, partition!, entity.ConsumerGroup!);
                }

                break;
        }

        return new CompletedOpenResult(callback, state);
    }

    public void EndOpenLink(IAsyncResult result)
    {
    }

    private void OpenConsumer(SendingAmqpLink link, PartitionEntity partition, string consumerGroup)
    {
        LogPosition position;
        try
        {
            position = EventPositionFilter.Parse(link.Settings.Source as Source);
        }
        catch (FormatException exception)
        {
            throw new AmqpException(new Error { Condition = "com.microsoft:argument-error", Description = exception.Message });
        }

        long? epoch = link.Settings.Properties?[Epoch] is long value ? value : null;
        bool metrics = link.Settings.DesiredCapabilities?.Contains(RuntimeMetric) == true;
        ReceiverOwnership ownership = partition.OwnershipFor(consumerGroup);
        string entityPath = $"{partition.HubName}/ConsumerGroups/{consumerGroup}/Partitions/{partition.Id}";
        var consumer = new ConsumerLink(link, partition, ownership, entityPath, metrics, _timeProvider, _loggerFactory.CreateLogger<ConsumerLink>());
        long first = partition.Log.Resolve(position);
        if (partition.IsCorruptRecord(first, out string corruption))
        {
            throw EmulatorErrors.Corruption(partition.Path, corruption);
        }

        ownership.Admit(consumer, epoch);
        consumer.Start(first);
    }

    private (EventHubEntity Hub, PartitionEntity? Partition, EntityAddress Entity) Resolve(string? address)
    {
        if (!EntityAddress.TryParse(address, out EntityAddress entity) || !_hubs.TryGetHub(entity.Hub, out EventHubEntity hub))
        {
            throw EmulatorErrors.EntityNotFound(address?.TrimStart('/') ?? string.Empty);
        }

        if (entity.PartitionId is null)
        {
            return (hub, null, entity);
        }

        return hub.TryGetPartition(entity.PartitionId, out PartitionEntity partition)
            ? (hub, partition, entity)
            : throw EmulatorErrors.EntityNotFound($"{hub.Name}/Partitions/{entity.PartitionId}");
    }

    private static string? AddressOf(AmqpLinkSettings settings, bool clientSends) => clientSends
        ? (settings.Target as Target)?.Address?.ToString()
        : (settings.Source as Source)?.Address?.ToString();
}
