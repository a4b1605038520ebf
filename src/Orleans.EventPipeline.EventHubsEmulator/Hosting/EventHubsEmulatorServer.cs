using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Framing;
using Microsoft.Azure.Amqp.Sasl;
using Microsoft.Azure.Amqp.Transport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.EventPipeline.EventHubsEmulator.Amqp;
using Orleans.EventPipeline.EventHubsEmulator.Cbs;
using Orleans.EventPipeline.EventHubsEmulator.Hubs;
using Orleans.EventPipeline.EventHubsEmulator.Management;

namespace Orleans.EventPipeline.EventHubsEmulator.Hosting;

/// <summary>
/// An Event Hubs-compatible AMQP endpoint over durable partition logs. Runs in-process: construct,
/// <see cref="StartAsync"/>, hand <see cref="ConnectionString"/> to any Event Hubs client, and
/// <see cref="DisposeAsync"/> when done.
/// </summary>
public sealed partial class EventHubsEmulatorServer : IAsyncDisposable
{
    // The SDK opens connections with a 60 s idle timeout and expects heartbeats at half of it;
    // azure-amqp sends those. Ours asks the client to show life at least every 120 s.
    internal const uint IdleTimeoutMilliseconds = 120_000;

    // 256 KiB frames carry a 1 MiB batch in 4 frames; the client may negotiate smaller.
    private const uint MaxFrameSize = 256 * 1024;

    private readonly EmulatorOptions _options;
    private readonly IPartitionLogOpener _logOpener;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<AmqpConnection, byte> _connections = new();
    private readonly SemaphoreSlim _lifecycle = new(1, 1);
    private HubRegistry? _hubs;
    private AmqpTransportListener? _listener;
    private GatedTransportListener? _gate;
    private AmqpSettings? _amqpSettings;
    private IPEndPoint? _endpoint;
    private int _disposed;

    // A pick taken before its bind is rare (once in a CI run); several in a row are not a race but a crowded range.
    internal const int PickedPortAttempts = 5;
    private readonly Func<IPAddress, int> _pickPort;

    public EventHubsEmulatorServer(EmulatorOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? timeProvider = null)
        : this(options, loggerFactory ?? NullLoggerFactory.Instance, timeProvider ?? TimeProvider.System, logOpener: null)
    {
    }

    internal EventHubsEmulatorServer(
        EmulatorOptions options,
        ILoggerFactory loggerFactory,
        TimeProvider timeProvider,
        IPartitionLogOpener? logOpener,
        Func<IPAddress, int>? pickPort = null)
    {
        _pickPort = pickPort ?? (static address => FreeTcpPorts.Pick(1, address)[0]);
        _options = options;
        _loggerFactory = loggerFactory;
        _timeProvider = timeProvider;
        _logger = loggerFactory.CreateLogger<EventHubsEmulatorServer>();
        _logOpener = logOpener ?? new FilePartitionLogOpener(options, timeProvider, loggerFactory);
    }

    /// <summary>The address the server listens on; with <see cref="EmulatorOptions.Port"/> 0 this names the port picked.</summary>
    public IPEndPoint Endpoint => _endpoint ?? throw new InvalidOperationException("The emulator has not been started; call StartAsync first.");

    /// <summary>
    /// A connection string for the Azure SDK (<c>UseDevelopmentEmulator=true</c>: plain TCP, no TLS),
    /// signed with the first configured key, with <c>EntityPath</c> when <paramref name="hub"/> is given.
    /// </summary>
    public string ConnectionString(string? hub = null)
    {
        (string keyName, string key) = _options.SharedAccessKeys.First();
        string host = Endpoint.Address.Equals(IPAddress.Any) ? "127.0.0.1" : Endpoint.Address.ToString();
        string entityPath = hub is null ? string.Empty : $"EntityPath={hub};";
        return $"Endpoint=sb://{host}:{Endpoint.Port};SharedAccessKeyName={keyName};SharedAccessKey={key};UseDevelopmentEmulator=true;{entityPath}";
    }

    /// <summary>TCP connections held now, opened or still in their handshake (at most <see cref="EmulatorOptions.MaxConnections"/>).</summary>
    public int ConnectionCount => Volatile.Read(ref _gate)?.HeldConnections ?? 0;

    /// <summary>
    /// Every partition of every hub with whether it accepts appends now: after a write or fsync failure
    /// (a full disk) a partition refuses them, with the reason, until its log has recovered on its own.
    /// Empty while the server is not running.
    /// </summary>
    public IReadOnlyList<EmulatorPartitionHealth> PartitionHealth =>
        Volatile.Read(ref _hubs) is { } hubs
            ? [.. hubs.Partitions.Select(static p => new EmulatorPartitionHealth(p.HubName, p.Id, p.Log.Health))]
            : [];

    /// <summary>Validates the options, opens (and recovers) every partition log, then starts listening.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        ValidateOptionsResult validation = new EmulatorOptionsValidator().Validate(null, _options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(EmulatorOptions.SectionName, typeof(EmulatorOptions), validation.Failures);
        }

        await _lifecycle.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_listener is not null)
            {
                return;
            }

            _hubs = await HubRegistry.OpenAsync(_options, _logOpener, cancellationToken).ConfigureAwait(false);
            var keys = new Dictionary<string, string>(_options.SharedAccessKeys, StringComparer.Ordinal);
            var validator = new SasTokenValidator(keys, _timeProvider);
            var authorizations = new ConnectionAuthorizations();
            var linkFactory = new EmulatorLinkFactory(
                _hubs,
                new CbsNode(validator, authorizations, _loggerFactory.CreateLogger<CbsNode>()),
                authorizations,
                new ManagementNode(_hubs, validator),
                _options,
                _timeProvider,
                _loggerFactory);

            IPAddress address = IPAddress.Parse(_options.ListenAddress);
            _amqpSettings = CreateAmqpSettings(linkFactory);
            int port = Listen(address);
            _endpoint = new IPEndPoint(address, port);
            LogStarted(_logger, _endpoint, _options.Hubs.Count, _options.DataDirectory);
        }
        catch
        {
            await StopCoreAsync().ConfigureAwait(false);
            throw;
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    /// <summary>
    /// Listens on the configured port, or with <see cref="EmulatorOptions.Port"/> 0 on a picked one. A
    /// picked port is free when picked but may be taken before the bind (a process that does not pick
    /// through <see cref="FreeTcpPorts"/>, such as Orleans' test cluster, binds in the same range): then
    /// another is picked, up to <see cref="PickedPortAttempts"/> times in all.
    /// </summary>
    private int Listen(IPAddress address)
    {
        for (int attempt = 1; ; attempt++)
        {
            int port = _options.Port == 0 ? _pickPort(address) : _options.Port;
            var transport = new TcpTransportSettings { Host = address.ToString(), Port = port };
            var gate = new GatedTransportListener(
                transport.CreateListener(),
                _options.OpenTimeout,
                _options.MaxConnections,
                _timeProvider,
                _loggerFactory.CreateLogger<GatedTransportListener>());
            var listener = new AmqpTransportListener([gate], _amqpSettings!);
            try
            {
                listener.Listen((_, accepted) => OnAcceptTransport(gate, accepted));
            }
            catch (Exception exception)
            {
                listener.SafeClose();
                if (exception is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } && _options.Port == 0 && attempt < PickedPortAttempts)
                {
                    LogPickedPortTaken(_logger, port, attempt, PickedPortAttempts);
                    continue;
                }

                throw;
            }

            _gate = gate;
            _listener = listener;
            return port;
        }
    }

    /// <summary>
    /// Stops listening, closes every client connection and then the logs. Safe to call more than once,
    /// and it never throws: a failure to close a log is logged.
    /// </summary>
    /// <param name="cancellationToken">
    /// Ignored: stopping only closes sockets and files, waiting at most for each partition's fsync in
    /// flight, and giving up part way would leave logs open and appends unanswered. A host whose stop
    /// timeout (30 s by default) has run out still gets a clean stop instead of an exception.
    /// </param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await _lifecycle.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await StopCoreAsync().ConfigureAwait(false);
        }
        finally
        {
            _lifecycle.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The host stops the server and then the container disposes it: both must be harmless twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await StopAsync().ConfigureAwait(false);
        _lifecycle.Dispose();
    }

    private async Task StopCoreAsync()
    {
        // Closing the listener also aborts the connections still in their handshake (the gate's).
        _listener?.SafeClose();
        _listener = null;
        _gate = null;
        foreach (AmqpConnection connection in _connections.Keys)
        {
            connection.SafeClose();
        }

        _connections.Clear();
        if (_hubs is not null)
        {
            // Appends in flight finish (and are fsync'd) before the logs close.
            HubRegistry hubs = _hubs;
            Volatile.Write(ref _hubs, null);
            try
            {
                await hubs.DisposeAsync().ConfigureAwait(false);
            }
            catch (AggregateException exception)
            {
                LogCloseFailed(_logger, exception);
            }

            LogStopped(_logger);
        }
    }

    private static AmqpSettings CreateAmqpSettings(EmulatorLinkFactory linkFactory)
    {
        var settings = new AmqpSettings { RuntimeProvider = linkFactory };

        // The SDK offers only MSSBCBS over SASL: "authenticate later on $cbs".
        var sasl = new SaslTransportProvider();
        sasl.Versions.Add(new AmqpVersion(1, 0, 0));
        sasl.AddHandler(new SaslAnonymousHandler("MSSBCBS"));
        settings.TransportProviders.Add(sasl);

        var amqp = new AmqpTransportProvider();
        amqp.Versions.Add(new AmqpVersion(1, 0, 0));
        settings.TransportProviders.Add(amqp);
        return settings;
    }

    private void OnAcceptTransport(GatedTransportListener gate, TransportAsyncCallbackArgs args)
    {
        if (args.Exception is not null)
        {
            LogAcceptFailed(_logger, args.Exception);
            return;
        }

        _ = OpenConnectionAsync(args, gate);
    }

    private async Task OpenConnectionAsync(TransportAsyncCallbackArgs args, GatedTransportListener gate)
    {
        AmqpConnection? connection = null;
        try
        {
            var settings = new AmqpConnectionSettings
            {
                ContainerId = "orleans-eventpipeline-emulator",
                MaxFrameSize = MaxFrameSize,
                IdleTimeOut = IdleTimeoutMilliseconds,
            };
            connection = new AmqpConnection(args.Transport, (ProtocolHeader)args.UserToken, false, _amqpSettings!, settings);
            _connections.TryAdd(connection, 0);
            connection.SafeAddClosed((sender, args) => _connections.TryRemove((AmqpConnection)sender!, out _));
            // The gate aborts the socket once the open timeout, counted from the accept, has passed.
            await connection.OpenAsync(_options.OpenTimeout).ConfigureAwait(false);
            gate.ConnectionOpened(args);
        }
        catch (Exception exception)
        {
            // A client that vanished or spoke garbage during the handshake affects only itself.
            LogConnectionFailed(_logger, exception);
            connection?.SafeClose(exception);
        }
    }
}
