using System.Globalization;
using System.Text.Json;
using Orleans.EventPipeline.Processing.Archive;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// A tenant's dead letters as objects of the archive store: the kept ones one JSON array per dead-letter batch under
/// <c>_deadletters/{tenant}/{number, 20 digits}.json</c>, the past ones in past objects (<see cref="PastNameOf"/>); the
/// grain's state holds only the numbers
/// (<see cref="DeadLetterObject"/>), so it stays a few KB whatever the letters weigh (an Azure Table entity
/// holds at most 1 MB). A tenant id cannot start with '_', so a tenant's archive listing never reaches them.
/// </summary>
public static class DeadLetterStore
{
    public const string Prefix = "_deadletters/";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static string NameOf(string tenantId, long number) =>
        string.Create(CultureInfo.InvariantCulture, $"{FolderOf(tenantId)}{number:D20}.json");

    /// <summary>The prefix of every object of the tenant's letters.</summary>
    public static string FolderOf(string tenantId) => Prefix + Uri.EscapeDataString(tenantId) + "/";

    /// <summary>
    /// A past object: letters that went past the retention bounds together, oldest first, under
    /// <c>_deadletters/{tenant}/past/{number, 20 digits}.json</c>. Written once (again with the same letters after a
    /// crash), never changed.
    /// </summary>
    public static string PastNameOf(string tenantId, long number) =>
        string.Create(CultureInfo.InvariantCulture, $"{FolderOf(tenantId)}past/{number:D20}.json");

    /// <summary>The numbers of the past objects stored for the tenant, in order (one listing).</summary>
    public static async Task<List<long>> PastNumbersAsync(IArchiveStore store, string tenantId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var folder = FolderOf(tenantId) + "past/";
        var numbers = new List<long>();
        await foreach (var name in store.ListAsync(folder, cancellationToken))
        {
            if (name.Length == folder.Length + 25 && name.EndsWith(".json", StringComparison.Ordinal)
                && long.TryParse(name.AsSpan(folder.Length, 20), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                numbers.Add(number);
            }
        }

        numbers.Sort();
        return numbers;
    }

    /// <summary>
    /// Stores past object <paramref name="number"/>: the letters, and the dead-letter stream position whose delivery
    /// trimmed them (<paramref name="sequence"/>), by which a state that lost its past counter tells a past object it
    /// counted from one a failed delivery left.
    /// </summary>
    public static async Task WritePastAsync(IArchiveStore store, string tenantId, long number, long sequence, IReadOnlyList<RetainedDeadLetter> letters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        await store.WriteAsync(PastNameOf(tenantId, number), JsonSerializer.SerializeToUtf8Bytes(new PastObject(sequence, letters), Json), cancellationToken);
    }

    /// <summary>Past object <paramref name="number"/>; no letters when it is gone.</summary>
    public static async Task<PastObject> ReadPastAsync(IArchiveStore store, string tenantId, long number, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var stream = await store.OpenReadAsync(PastNameOf(tenantId, number), cancellationToken);
        if (stream is null)
        {
            return new PastObject(-1, []);
        }

        await using (stream)
        {
            return await JsonSerializer.DeserializeAsync<PastObject>(stream, Json, cancellationToken) ?? new PastObject(-1, []);
        }
    }

    /// <summary>A past object as stored.</summary>
    /// <param name="Sequence">The dead-letter stream position whose delivery trimmed the letters; -1 without one.</param>
    public sealed record PastObject(long Sequence, IReadOnlyList<RetainedDeadLetter> Letters);

    /// <summary>Stores the letters as object <paramref name="number"/>, replacing one of that number (a write repeated after a crash).</summary>
    public static async Task WriteAsync(IArchiveStore store, string tenantId, long number, IReadOnlyList<RetainedDeadLetter> letters, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        await store.WriteAsync(NameOf(tenantId, number), JsonSerializer.SerializeToUtf8Bytes(letters, Json), cancellationToken);
    }

    /// <summary>The letters of object <paramref name="number"/>, oldest first; empty when it is gone.</summary>
    public static async Task<RetainedDeadLetter[]> ReadAsync(IArchiveStore store, string tenantId, long number, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        var stream = await store.OpenReadAsync(NameOf(tenantId, number), cancellationToken);
        if (stream is null)
        {
            return [];
        }

        await using (stream)
        {
            return await JsonSerializer.DeserializeAsync<RetainedDeadLetter[]>(stream, Json, cancellationToken) ?? [];
        }
    }

    public static Task DeleteAsync(IArchiveStore store, string tenantId, long number, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(store);
        return store.DeleteAsync(NameOf(tenantId, number), cancellationToken);
    }
}
