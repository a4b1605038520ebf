using System.Collections.Concurrent;
using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Transport;
using Microsoft.Extensions.Logging;

namespace Orleans.EventPipeline.EventHubsEmulator.Amqp;

/// <summary>
/// Sits between the TCP listener and the AMQP listener and bounds what a client can hold without
/// speaking AMQP: a new connection above the cap is closed at once, and one that has not finished
/// its protocol header, SASL and AMQP open within the open timeout is aborted. The AMQP listener
/// alone waits for the protocol header forever, so a client that never sends a byte would keep its
/// descriptor until the process ends.
/// </summary>
internal sealed partial class GatedTransportListener : TransportListener
{
    // Over the cap every refused connection would otherwise log its own warning.
    private static readonly TimeSpan RefusalWarningInterval = TimeSpan.FromSeconds(10);

    private const long NeverWarned = long.MinValue;

    private readonly TransportListener _inner;
    private readonly TimeSpan _openTimeout;
    private readonly int _maxConnections;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    // Keyed by the accept's callback arguments: the AMQP listener hands that same instance to the
    // server when the handshake is done, which is how the server reports the connection opened.
    private readonly ConcurrentDictionary<TransportAsyncCallbackArgs, GatedTransport> _opening = new();
    private int _held;
    private long _refusedSinceWarning;
    private long _lastWarning = NeverWarned;

    public GatedTransportListener(TransportListener inner, TimeSpan openTimeout, int maxConnections, TimeProvider timeProvider, ILogger logger)
        : base("gated-listener")
    {
        _inner = inner;
        _openTimeout = openTimeout;
        _maxConnections = maxConnections;
        _timeProvider = timeProvider;
        _logger = logger;
    }

    /// <summary>Connections held now, opened or still opening.</summary>
    public int HeldConnections => Volatile.Read(ref _held);

    /// <summary>The server opened the AMQP connection of this accept: its open timer stops.</summary>
    public void ConnectionOpened(TransportAsyncCallbackArgs accepted)
    {
        if (_opening.TryRemove(accepted, out GatedTransport? transport))
        {
            transport.OpenTimer?.Dispose();
        }
    }

    /// <summary>The transport of this accept has ended, however it ended: its place is free.</summary>
    public void Release(TransportAsyncCallbackArgs accepted)
    {
        _opening.TryRemove(accepted, out _);
        Interlocked.Decrement(ref _held);
    }

    protected override void OnListen()
    {
        _inner.Closed += OnInnerClosed;
        _inner.Listen(OnAccept);
    }

    protected override bool CloseInternal()
    {
        _inner.SafeClose();
        AbortOpening();
        return true;
    }

    protected override void AbortInternal()
    {
        _inner.Abort();
        AbortOpening();
    }

    private void OnAccept(TransportListener listener, TransportAsyncCallbackArgs args)
    {
        if (Interlocked.Increment(ref _held) > _maxConnections)
        {
            Interlocked.Decrement(ref _held);
            args.Transport.Abort();
            NoteRefused();
            return;
        }

        var transport = new GatedTransport(args.Transport, this, args);
        transport.Open();
        args.Transport = transport;
        _opening[args] = transport;
        transport.OpenTimer = _timeProvider.CreateTimer(
            static state =>
            {
                (GatedTransportListener gate, TransportAsyncCallbackArgs accepted) = ((GatedTransportListener, TransportAsyncCallbackArgs))state!;
                gate.OnOpenTimeout(accepted);
            },
            (this, args),
            _openTimeout,
            Timeout.InfiniteTimeSpan);
        OnTransportAccepted(args);
    }

    private void OnOpenTimeout(TransportAsyncCallbackArgs accepted)
    {
        if (_opening.TryRemove(accepted, out GatedTransport? transport))
        {
            LogOpenTimedOut(_logger, transport.RemoteEndPoint, _openTimeout);
            transport.Abort();
        }
    }

    private void NoteRefused()
    {
        Interlocked.Increment(ref _refusedSinceWarning);
        long now = _timeProvider.GetTimestamp();
        long last = Interlocked.Read(ref _lastWarning);
        if (last != NeverWarned && _timeProvider.GetElapsedTime(last, now) < RefusalWarningInterval)
        {
            return;
        }

        if (Interlocked.CompareExchange(ref _lastWarning, now, last) == last)
        {
            LogConnectionsRefused(_logger, Interlocked.Exchange(ref _refusedSinceWarning, 0), _maxConnections, RefusalWarningInterval);
        }
    }

    // Opened connections are the server's to close; those still in their handshake have no owner yet.
    private void AbortOpening()
    {
        foreach (GatedTransport transport in _opening.Values)
        {
            transport.Abort();
        }
    }

    private void OnInnerClosed(object? sender, EventArgs e)
    {
        // The TCP listener failed: the AMQP listener above watches this one, so pass it on.
        _inner.Closed -= OnInnerClosed;
        this.SafeClose(_inner.TerminalException);
    }
}
