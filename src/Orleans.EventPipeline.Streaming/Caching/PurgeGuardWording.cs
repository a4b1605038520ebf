namespace Orleans.EventPipeline.Streaming.Caching;

/// <summary>What a held partition's warning tells the operator: the setting of the budget it is over, and what happens to its messages meanwhile.</summary>
internal sealed record PurgeGuardWording(string BudgetSetting, string WhileHeld)
{
    /// <summary>The Event Hubs receivers' caches.</summary>
    public static readonly PurgeGuardWording EventHubs = new(
        "Pipeline:StreamCache:MaxBytes",
        "Its events wait in Event Hubs until that subscriber catches up; none is dropped here, but Event Hubs deletes them after the hub's retention period");
}
