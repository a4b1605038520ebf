using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Orleans.EventPipeline.Processing.Archive;
using Orleans.EventPipeline.Streams;

namespace Orleans.EventPipeline.Grains.Quarantine;

/// <summary>
/// Quarantined hub messages as objects of the archive store, one JSON object each under
/// <c>_quarantine/{partition}/{sequence number, 20 digits}.json</c>. A tenant id cannot start with '_',
/// so a tenant's archive listing never reaches them; the name is the message's position, so a message
/// delivered again after a crash overwrites its own object (kept once).
/// </summary>
public static class QuarantineStore
{
    public const string Prefix = "_quarantine/";

    private const string Extension = ".json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string NameOf(string partition, long sequenceNumber) =>
        string.Create(CultureInfo.InvariantCulture, $"{Prefix}{Uri.EscapeDataString(partition)}/{sequenceNumber:D20}{Extension}");

    public static async Task WriteAsync(IArchiveStore store, QuarantinedMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(message);
        await store.WriteAsync(NameOf(message.Partition, message.SequenceNumber), JsonSerializer.SerializeToUtf8Bytes(message, Json), cancellationToken);
    }

    /// <summary>Names of every quarantined message, by partition and sequence number.</summary>
    public static async Task<List<string>> ListNamesAsync(IArchiveStore store, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var names = new List<string>();
        await foreach (var name in store.ListAsync(Prefix, cancellationToken))
        {
            if (name.EndsWith(Extension, StringComparison.Ordinal))
            {
                names.Add(name);
            }
        }

        // Partition ids are compared as text, sequence numbers have a fixed width: ordinal order is position order.
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>The message stored as <paramref name="name"/>; null when there is none.</summary>
    public static async Task<QuarantinedMessage?> ReadAsync(IArchiveStore store, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var stream = await store.OpenReadAsync(name, cancellationToken);
        if (stream is null)
        {
            return null;
        }

        await using (stream)
        {
            return await JsonSerializer.DeserializeAsync<QuarantinedMessage>(stream, Json, cancellationToken);
        }
    }

    /// <summary>Every quarantined message after the first <paramref name="skip"/>, at most <paramref name="take"/>, by position.</summary>
    public static async IAsyncEnumerable<QuarantinedMessage> ReadAsync(
        IArchiveStore store, IReadOnlyList<string> names, int skip, int take, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(names);
        foreach (var name in names.Skip(skip).Take(take))
        {
            if (await ReadAsync(store, name, cancellationToken) is { } message)
            {
                yield return message;
            }
        }
    }
}
