using Orleans.EventPipeline.Events;
using Orleans.EventPipeline.Processes;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Processing;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Client.Tests.Support;

/// <summary>
/// The real silo process (through the shared <see cref="SiloNode"/> launcher), local mode, archive objects cut
/// after 2 s so the tests read them back quickly; killable and restartable on the same ports and data directory,
/// as a gateway outage looks to a client.
/// </summary>
internal sealed class ArchivingSilo : IAsyncDisposable
{
    private readonly SiloNode _node;

    private ArchivingSilo(SiloNode node)
    {
        _node = node;
        Api = new PipelineApi(node.Url);
    }

    public Uri Url => _node.Url;

    public PipelineApi Api { get; }

    public string Output => _node.Process.Output;

    /// <param name="settings">More settings, as <c>--Key=Value</c>: a silo started again on the same data with others is an operator's configuration change.</param>
    public static async Task<ArchivingSilo> StartAsync(string dataDirectory, IReadOnlyList<string>? settings = null)
    {
        var node = SiloNode.Create(new SiloStart("silo", dataDirectory, SiloProcess.AdminKey)
        {
            Arguments = ["--Pipeline:Archive:MaxAge=00:00:02", "--Pipeline:Archive:FlushCheckInterval=00:00:00.200", .. settings ?? []],
            Environment = new Dictionary<string, string> { ["Logging__Console__FormatterName"] = "simple" },
        });
        var silo = new ArchivingSilo(node);
        try
        {
            await silo.RestartAsync();
            return silo;
        }
        catch
        {
            await silo.DisposeAsync();
            throw;
        }
    }

    /// <summary>SIGKILL: the gateway is gone without a word, mid-request if one is open.</summary>
    public Task KillAsync() => _node.Process.KillAsync();

    /// <summary>Starts it again on the same ports and data, and waits for <c>/readyz</c>.</summary>
    public Task RestartAsync() => _node.RestartAsync(CancellationToken.None);

    /// <summary>
    /// Waits until the tenant's archive holds <paramref name="expected"/> events; returns what <paramref name="select"/>
    /// takes of each (its <c>n</c> field when null), once per time it was archived.
    /// </summary>
    public async Task<List<string>> ArchivedAsync(string tenant, int expected, TimeSpan timeout, Func<NormalizedEvent, string>? select = null)
    {
        var objects = await ArchiveFiles.WaitForAsync(_node.ArchiveDirectory, tenant, events => events.Count >= expected, timeout);
        return [.. objects.SelectMany(static o => o.Events).Select(select ?? (static e => e.Attributes["n"].Text!))];
    }

    /// <summary>What the archive holds now, without waiting (to see that nothing more came).</summary>
    public async Task<List<string>> ArchivedNowAsync(string tenant)
    {
        var objects = await ArchiveFiles.ReadAsync(_node.ArchiveDirectory, tenant);
        return [.. objects.SelectMany(static o => o.Events).Select(static e => e.Attributes["n"].Text!)];
    }

    public async ValueTask DisposeAsync()
    {
        Api.Dispose();
        await _node.DisposeAsync();
    }
}
