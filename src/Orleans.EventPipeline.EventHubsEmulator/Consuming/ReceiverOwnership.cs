using Orleans.EventPipeline.EventHubsEmulator.Errors;

namespace Orleans.EventPipeline.EventHubsEmulator.Consuming;

/// <summary>
/// Owner-level (epoch) rules for one consumer group of one partition, as the service applies them:
/// a receiver with an equal or higher epoch takes the partition and every other receiver is
/// detached with amqp:link:stolen; a lower epoch, or no epoch while an epoch receiver holds the
/// partition, is refused the same way; at most 5 receivers without epoch may read side by side.
/// </summary>
internal sealed class ReceiverOwnership(string entityPath)
{
    public const int MaxReceiversWithoutEpoch = 5;

    private readonly Lock _lock = new();
    private readonly List<ConsumerLink> _receivers = [];
    private long? _epoch;

    /// <summary>Admits <paramref name="receiver"/> or throws the AMQP error that refuses it.</summary>
    public void Admit(ConsumerLink receiver, long? epoch)
    {
        ConsumerLink[] stolen = [];
        lock (_lock)
        {
            if (epoch is not long requested)
            {
                if (_epoch is long held)
                {
                    throw EmulatorErrors.Stolen($"A receiver with owner level {held} holds '{entityPath}'; receivers without an owner level are refused.");
                }

                if (_receivers.Count >= MaxReceiversWithoutEpoch)
                {
                    throw EmulatorErrors.ReceiverLimit(entityPath, MaxReceiversWithoutEpoch);
                }
            }
            else
            {
                if (_epoch is long held && requested < held)
                {
                    throw EmulatorErrors.Stolen($"A receiver with the higher owner level {held} holds '{entityPath}'; owner level {requested} is refused.");
                }

                stolen = [.. _receivers];
                _receivers.Clear();
                _epoch = requested;
            }

            _receivers.Add(receiver);
        }

        foreach (ConsumerLink previous in stolen)
        {
            previous.Close(EmulatorErrors.Stolen($"A receiver with owner level {epoch} took '{entityPath}'."));
        }
    }

    public void Release(ConsumerLink receiver)
    {
        lock (_lock)
        {
            if (_receivers.Remove(receiver) && _receivers.Count == 0)
            {
                _epoch = null;
            }
        }
    }
}
