namespace Orleans.EventPipeline.Tests.Support;

/// <summary>
/// The tests that start several processes under load (a cluster, the fault harness, the property run) and
/// the crash tests that count every acknowledged event after kill -9: they run one after another, not
/// side by side. Together on two cores they starved each other's silos for longer than the receiver cache
/// keeps messages, and then lost events to the known cache-purge limit (docs/RELIABILITY.md, "The fault
/// harness"), which those crash tests are not about. Lighter test classes still run beside them.
/// </summary>
[CollectionDefinition(Name)]
public sealed class HeavyProcessTests
{
    public const string Name = "heavy process tests";
}
