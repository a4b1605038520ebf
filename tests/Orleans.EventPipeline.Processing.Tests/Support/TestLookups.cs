using Orleans.EventPipeline.Processing.Enrichment;

namespace Orleans.EventPipeline.Processing.Tests.Support;

/// <summary>The lookup directory of enrichment tests that read no file: static fields, tables given as content.</summary>
internal static class TestLookups
{
    /// <summary>A directory that need not exist and holds nothing: every lookup file is refused or missing there.</summary>
    public static LookupDirectory None { get; } = new(Path.Combine(Path.GetTempPath(), "eventpipeline-tests", "no-lookups"), "test");
}
