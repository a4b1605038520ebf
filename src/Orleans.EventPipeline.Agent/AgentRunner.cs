using System.Net;
using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Agent.Configuration;
using Orleans.EventPipeline.Agent.Sources;
using Orleans.EventPipeline.Agent.Sources.Files;
using Orleans.EventPipeline.Agent.Sources.HttpPoll;
using Orleans.EventPipeline.Agent.Sources.Syslog;
using Orleans.EventPipeline.Agent.Status;
using Orleans.EventPipeline.Client;
using Orleans.EventPipeline.IO;

namespace Orleans.EventPipeline.Agent;

/// <summary>
/// Runs the configured sources into one client per event format (each with its spool under the spool directory),
/// writes the status line, and on a stop spools what is in memory and waits up to DrainTimeout for acknowledgments.
/// </summary>
internal sealed partial class AgentRunner(AgentOptions options, ILoggerFactory logging, TimeProvider time)
{
    private readonly ILogger _logger = logging.CreateLogger("Orleans.EventPipeline.Agent");
    private readonly Dictionary<EventFormat, EventPipelineClient> _clients = [];

    public async Task<int> RunAsync(CancellationToken stopping)
    {
        var disposables = new List<IDisposable>();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        try
        {
            List<IEventSource> sources;
            if (EnclosingSpool(options.SpoolDirectory) is { } outer)
            {
                LogSpoolUnavailable(_logger, options.SpoolDirectory, $"it lies inside '{outer}', another agent's spool (it has {SpoolLockFile}); give each agent a directory outside the others'");
                return ExitCodes.SpoolUnavailable;
            }

            try
            {
                // The whole spool, besides each format's folder the clients hold: an agent of another format on the same
                // spool would tail the same files again into its own folder (helper-104).
                Directory.CreateDirectory(options.SpoolDirectory);
                disposables.Add(LockFiles.Take(Path.Combine(options.SpoolDirectory, SpoolLockFile)));
                sources = CreateSources(http, disposables);
            }
            catch (IOException e) when (LockFiles.HeldByAnother(e))
            {
                LogSpoolUnavailable(_logger, options.SpoolDirectory, "it is in use by another agent or client; each needs its own");
                return ExitCodes.SpoolUnavailable;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                LogSpoolUnavailable(_logger, options.SpoolDirectory, SpoolProblem(options.SpoolDirectory, e));
                return ExitCodes.SpoolUnavailable;
            }
            catch (System.Net.Sockets.SocketException e)
            {
                LogCannotListen(_logger, e.Message);
                return ExitCodes.Configuration;
            }

            foreach (var client in _clients.Values)
            {
                client.Start();
            }

            using var sourcesStop = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            var running = sources.ToDictionary(s => Task.Run(() => s.RunAsync(sourcesStop.Token), CancellationToken.None), s => s);
            using var statusStop = new CancellationTokenSource();
            var status = options.Quiet ? Task.CompletedTask : new StatusLine(_clients.Values, Console.Error, !Console.IsErrorRedirected, time).RunAsync(options.StatusInterval, statusStop.Token);

            var failed = false;
            while (running.Count > 0)
            {
                var ended = await Task.WhenAny(running.Keys).ConfigureAwait(false);
                var source = running[ended];
                running.Remove(ended);
                if (ended.IsFaulted && !stopping.IsCancellationRequested)
                {
                    LogSourceFailed(_logger, ended.Exception!.GetBaseException(), source.Name);
                    failed = true;
                    await sourcesStop.CancelAsync().ConfigureAwait(false);
                }
            }

            // Everything read is spooled (DrainAsync flushes first, waiting out a full disk within the same time), then
            // the gateway has DrainTimeout to acknowledge it (stdin's end waits for all).
            var onlyFinite = sources.All(static s => s.Finite);

            using (var drain = onlyFinite && !stopping.IsCancellationRequested ? CancellationTokenSource.CreateLinkedTokenSource(stopping) : new CancellationTokenSource(options.DrainTimeout))
            {
                try
                {
                    await Task.WhenAll(_clients.Values.Select(c => c.DrainAsync(drain.Token))).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    LogLeftSpooled(_logger, _clients.Values.Sum(static c => c.Statistics.SpooledBatches));
                }
            }

            await statusStop.CancelAsync().ConfigureAwait(false);
            await status.ConfigureAwait(false);
            return failed ? ExitCodes.Failure : ExitCodes.Ok;
        }
        finally
        {
            foreach (var client in _clients.Values)
            {
                await client.DisposeAsync().ConfigureAwait(false);
            }

            foreach (var disposable in disposables)
            {
                disposable.Dispose();
            }
        }
    }

    private List<IEventSource> CreateSources(HttpClient http, List<IDisposable> disposables)
    {
        var sources = new List<IEventSource>();
        foreach (var file in options.Files)
        {
            var others = options.Files.Where(other => !ReferenceEquals(other, file)).Select(static other => other.Path).ToList();
            sources.Add(new FileTailSource(file, others, options.MaxLineBytes, Client(file.Format), _logger, time));
        }

        if (options.Stdin is { } stdin)
        {
            var client = Client(stdin.Format);
            sources.Add(new StdinSource(Console.OpenStandardInput(), new LineSplitter(options.MaxLineBytes, client.MaxCallBytes, "stdin", _logger), client));
        }

        if (options.Syslog is { } syslog)
        {
            if (syslog.Udp.Length > 0)
            {
                var udp = new SyslogUdpSource(IPEndPoint.Parse(syslog.Udp), Client(EventFormat.Text));
                disposables.Add(udp);
                sources.Add(udp);
                LogListening(_logger, "UDP", udp.LocalEndpoint);
            }

            if (syslog.Tcp.Length > 0)
            {
                var tcp = new SyslogTcpSource(IPEndPoint.Parse(syslog.Tcp), syslog.MaxMessageBytes, Client(EventFormat.Text), _logger);
                disposables.Add(tcp);
                sources.Add(tcp);
                LogListening(_logger, "TCP", tcp.LocalEndpoint);
            }
        }

        foreach (var poll in options.HttpPoll)
        {
            sources.Add(new HttpPollSource(poll, http, Client(EventFormat.Json), _logger, time));
        }

        return sources;
    }

    /// <summary>The lock file of the agent's whole spool, beside the format folders (<c>text</c>, <c>json</c>).</summary>
    private const string SpoolLockFile = "agent.lock";

    /// <summary>
    /// The directory above <paramref name="directory"/> that holds an agent's lock file, or null. An agent whose spool lies
    /// in another's (<c>--spool &lt;its spool&gt;/text</c>) takes a lock of its own there, so the lock alone cannot refuse
    /// it, and its files sit among the other's. A lock file stays when its agent stops, so a stopped agent's
    /// spool counts too: its batches wait there for it.
    /// </summary>
    private static string? EnclosingSpool(string directory)
    {
        for (var parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory))); !string.IsNullOrEmpty(parent); parent = Path.GetDirectoryName(parent))
        {
            if (File.Exists(Path.Combine(parent, SpoolLockFile)))
            {
                return parent;
            }
        }

        return null;
    }

    /// <summary>Why the spool directory cannot be used: an existing file on its path says so by name; otherwise the system's reason.</summary>
    private static string SpoolProblem(string directory, Exception e)
    {
        for (var path = Path.GetFullPath(directory); !string.IsNullOrEmpty(path); path = Path.GetDirectoryName(path))
        {
            if (File.Exists(path))
            {
                return path == Path.GetFullPath(directory) ? "it is an existing file, not a directory" : $"'{path}' on its path is an existing file, not a directory";
            }
        }

        return e.Message;
    }

    private EventPipelineClient Client(EventFormat format)
    {
        if (!_clients.TryGetValue(format, out var client))
        {
            client = new EventPipelineClient(AgentOptionsValidator.ClientOptions(options, format), logging.CreateLogger<EventPipelineClient>());
            client.EventsRejected += (_, e) => LogRejected(_logger, e.Rejected.Count, e.IdempotencyKey, e.Rejected[0].Index, e.Rejected[0].Reason);
            _clients[format] = client;
        }

        return client;
    }

    [LoggerMessage(1, LogLevel.Critical, "The spool directory {Directory} cannot be created or opened: {Reason}")]
    private static partial void LogSpoolUnavailable(ILogger logger, string directory, string reason);

    [LoggerMessage(2, LogLevel.Critical, "Cannot listen: {Reason}")]
    private static partial void LogCannotListen(ILogger logger, string reason);

    [LoggerMessage(3, LogLevel.Error, "Source {Source} failed; the agent stops, everything read so far stays spooled")]
    private static partial void LogSourceFailed(ILogger logger, Exception exception, string source);

    [LoggerMessage(4, LogLevel.Warning, "Stopping with {Batches} batches not yet acknowledged: they stay spooled and are sent first at the next start")]
    private static partial void LogLeftSpooled(ILogger logger, int batches);

    [LoggerMessage(5, LogLevel.Information, "Syslog {Protocol} listening on {Endpoint}")]
    private static partial void LogListening(ILogger logger, string protocol, IPEndPoint endpoint);

    [LoggerMessage(6, LogLevel.Warning, "{Count} events of batch {Key} rejected by the gateway (kept in the tenant's dead letters); the first, event {Index}: {Reason}")]
    private static partial void LogRejected(ILogger logger, int count, string key, int index, string reason);
}
