namespace Orleans.EventPipeline.Deploy.Tests.Support;

/// <summary>
/// Tests that run one after another: those that start a cluster of processes (two at once starved each
/// other on two cores) and the one that sets this process's POD_* variables, which the processes the
/// others start would inherit.
/// </summary>
[CollectionDefinition(Name)]
public sealed class SerialTests
{
    public const string Name = "deployment process tests";
}
