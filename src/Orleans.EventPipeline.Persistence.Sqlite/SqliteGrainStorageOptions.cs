using Orleans.Storage;

namespace Orleans.EventPipeline.Persistence.Sqlite;

/// <summary>Settings of one SQLite grain storage provider.</summary>
public sealed class SqliteGrainStorageOptions : IStorageProviderSerializerOptions
{
    /// <summary>Path of the database file; its directory is created at start.</summary>
    public string DatabasePath { get; set; } = "";

    /// <summary>
    /// How long a writer waits for SQLite's file lock before failing, in seconds. Writes take
    /// well under 10 ms; 30 s only matters when the disk stalls.
    /// </summary>
    public int BusyTimeoutSeconds { get; set; } = 30;

    /// <summary>Silo lifecycle stage at which the schema is created.</summary>
    public int InitStage { get; set; } = ServiceLifecycleStage.ApplicationServices;

    /// <summary>
    /// When a state may be deleted, or null to keep it: each write stores the time this gives for the state written,
    /// and <see cref="SqliteGrainStorage.DeleteForgottenAsync"/> deletes the rows past it. Null keeps every state.
    /// </summary>
    public Func<object?, DateTimeOffset?>? ForgetAfter { get; set; }

    /// <summary>
    /// States, by name, to give a forget time when a file made before states could be forgotten is upgraded: that long
    /// after the upgrade, as no time was stored with them. Give every provider on one file the same, since whichever
    /// starts first upgrades it.
    /// </summary>
    public IReadOnlyDictionary<string, TimeSpan> ForgetOnUpgrade { get; set; } = new Dictionary<string, TimeSpan>();

    /// <inheritdoc />
    public IGrainStorageSerializer GrainStorageSerializer { get; set; } = default!;
}
