using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Encoding;
using Microsoft.Azure.Amqp.Framing;
using Orleans.EventPipeline.EventHubsEmulator.Amqp;
using Orleans.EventPipeline.EventHubsEmulator.Cbs;
using Orleans.EventPipeline.EventHubsEmulator.Hubs;
using Orleans.EventPipeline.EventHubsEmulator.Log;

namespace Orleans.EventPipeline.EventHubsEmulator.Management;

/// <summary>
/// The <c>$management</c> node: READ of a hub (<c>com.microsoft:eventhub</c>) or a partition
/// (<c>com.microsoft:partition</c>). The SDK casts every value, so each one has the exact AMQP
/// type it expects: partition ids as an array (not a list), offsets as strings, times as timestamps.
/// Requests do not go through <c>$cbs</c>; each carries its token in the <c>security_token</c> property.
/// </summary>
internal sealed class ManagementNode(HubRegistry hubs, SasTokenValidator validator) : RequestResponseNode
{
    public const string Address = "$management";

    protected override AmqpMessage Handle(AmqpConnection connection, AmqpMessage request)
    {
        PropertiesMap? properties = request.ApplicationProperties?.Map;
        string? operation = properties?["operation"] as string;
        string? type = properties?["type"] as string;
        string hubName = properties?["name"] as string ?? string.Empty;

        string? tokenFailure = validator.Validate(properties?["security_token"] as string);
        if (tokenFailure is not null)
        {
            return Respond(401, tokenFailure, AmqpErrorCode.UnauthorizedAccess);
        }

        if (operation != "READ")
        {
            return Respond(400, $"Unsupported $management operation '{operation}'; only READ is served.", "com.microsoft:argument-error");
        }

        if (!hubs.TryGetHub(hubName, out EventHubEntity hub))
        {
            return NotFound(hubName);
        }

        if (type == "com.microsoft:eventhub")
        {
            var map = new AmqpMap
            {
                [new MapKey("name")] = hub.Name,
                [new MapKey("created_at")] = hub.CreatedAt.UtcDateTime,
                [new MapKey("partition_ids")] = hub.PartitionIds,
            };
            return Respond(200, "OK", response: AmqpMessage.Create(new AmqpValue { Value = map }));
        }

        if (type == "com.microsoft:partition")
        {
            string partitionId = properties?["partition"] as string ?? string.Empty;
            if (!hub.TryGetPartition(partitionId, out PartitionEntity partition))
            {
                return NotFound($"{hub.Name}/Partitions/{partitionId}");
            }

            PartitionLogInfo info = partition.Log.Info;
            var map = new AmqpMap
            {
                [new MapKey("name")] = hub.Name,
                [new MapKey("partition")] = partition.Id,
                [new MapKey("begin_sequence_number")] = info.IsEmpty ? info.LastSequenceNumber + 1 : info.BeginSequenceNumber,
                [new MapKey("last_enqueued_sequence_number")] = info.LastSequenceNumber,
                [new MapKey("last_enqueued_offset")] = info.LastOffset.ToString(System.Globalization.CultureInfo.InvariantCulture),
                [new MapKey("last_enqueued_time_utc")] = info.LastEnqueuedTime.UtcDateTime,
                [new MapKey("is_partition_empty")] = info.IsEmpty,
            };
            return Respond(200, "OK", response: AmqpMessage.Create(new AmqpValue { Value = map }));
        }

        return Respond(400, $"Unsupported $management type '{type}'.", "com.microsoft:argument-error");
    }

    private static AmqpMessage NotFound(string entity) =>
        Respond(404, $"The messaging entity '{entity}' could not be found.", AmqpErrorCode.NotFound);
}
