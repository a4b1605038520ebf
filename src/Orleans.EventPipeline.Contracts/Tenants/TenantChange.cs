namespace Orleans.EventPipeline.Tenants;

/// <summary>When a tenant change may happen: the optimistic-concurrency check of the admin API's If-Match and If-None-Match.</summary>
/// <param name="IfVersion">The change applies only while the stored version is this one (the ETag the caller read).</param>
/// <param name="IfAbsent">The change applies only while the tenant does not exist (create, never overwrite).</param>
/// <param name="IfExists">The change applies only to an existing tenant (update, never create).</param>
[GenerateSerializer, Immutable]
public sealed record TenantCondition(
    [property: Id(0)] long? IfVersion = null,
    [property: Id(1)] bool IfAbsent = false,
    [property: Id(2)] bool IfExists = false)
{
    /// <summary>No condition: the change applies whatever is stored.</summary>
    public static TenantCondition None { get; } = new();
}

/// <summary>What became of a conditional tenant change.</summary>
public enum TenantChangeOutcome
{
    /// <summary>Applied; the profile is the stored one.</summary>
    Done,

    /// <summary>The tenant does not exist and the change needs one.</summary>
    NotFound,

    /// <summary>The stored version is not the expected one; the profile is the stored one, to read again.</summary>
    VersionMismatch,

    /// <summary>The tenant exists and the change was to create it only.</summary>
    AlreadyExists,

    /// <summary>
    /// A delete that removes the tenant's data began and did not finish: its data may be partly gone, so the tenant is
    /// not enabled, nor deleted keeping its data, until that delete is repeated and finishes.
    /// </summary>
    DataRemovalUnfinished,
}

/// <summary>The outcome of a tenant change and the profile after it (before it, for a delete).</summary>
/// <param name="KeysRevoked">Keys a delete revoked; 0 for other changes.</param>
/// <param name="Created">
/// A configure that created the tenant (none existed, or only a deleted one's tombstone): the admin API answers its
/// <c>PUT</c> 201 with the tenant's URL, an update 200. Told by the grain, since only it knows what it found: two
/// concurrent <c>PUT</c>s that each read "absent" first would both say created. False from a grain of an earlier build.
/// </param>
[GenerateSerializer, Immutable]
public sealed record TenantChange(
    [property: Id(0)] TenantChangeOutcome Outcome,
    [property: Id(1)] TenantProfile Profile,
    [property: Id(2)] int KeysRevoked = 0,
    [property: Id(3)] bool Created = false);
