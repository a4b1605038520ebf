using Xunit.Abstractions;

namespace Orleans.EventPipeline.Tests.Support;

/// <summary>The kill and cluster tests' verdict on one tenant's archive: every acknowledged event id once, nothing else.</summary>
internal static class ExactlyOnce
{
    public static void AssertArchived(string tenant, IReadOnlySet<string> acknowledged, IReadOnlyList<string> archived, ITestOutputHelper output)
    {
        var duplicates = archived.GroupBy(static id => id, StringComparer.Ordinal).Where(static g => g.Count() > 1).Select(static g => g.Key).ToList();
        output.WriteLine($"{tenant}: {acknowledged.Count} acknowledged, {archived.Count} archived, {duplicates.Count} archived twice");

        Assert.Empty(duplicates);
        Assert.Empty(acknowledged.Except(archived, StringComparer.Ordinal));
        // Under its own tenant only, and nothing but acknowledged events: every batch was retried until its 200.
        Assert.Empty(archived.Except(acknowledged, StringComparer.Ordinal));
    }
}
