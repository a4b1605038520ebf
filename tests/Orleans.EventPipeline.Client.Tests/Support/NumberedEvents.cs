using System.Globalization;
using System.Text;

namespace Orleans.EventPipeline.Client.Tests.Support;

/// <summary>Events a test can find again in the archive: <c>{"n":"{prefix}-{i:D6}"}</c>.</summary>
internal static class NumberedEvents
{
    public static string Name(string prefix, int i) => string.Create(CultureInfo.InvariantCulture, $"{prefix}-{i:D6}");

    public static ReadOnlyMemory<byte>[] Make(string prefix, int from, int count) =>
        [.. Enumerable.Range(from, count).Select(i => (ReadOnlyMemory<byte>)Encoding.UTF8.GetBytes($"{{\"n\":\"{Name(prefix, i)}\"}}"))];

    public static HashSet<string> Names(string prefix, int from, int count) =>
        Enumerable.Range(from, count).Select(i => Name(prefix, i)).ToHashSet(StringComparer.Ordinal);
}
