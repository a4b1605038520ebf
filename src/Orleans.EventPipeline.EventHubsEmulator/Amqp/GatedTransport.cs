using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Transport;

namespace Orleans.EventPipeline.EventHubsEmulator.Amqp;

/// <summary>
/// An accepted TCP transport as the layers above see it (SASL wraps this, the AMQP connection uses
/// that): every way of ending it, close or abort from any layer, passes through here and gives its
/// place back to <see cref="GatedTransportListener"/> exactly once. Its own Closed event would not
/// do: a synchronous Close from the SASL layer ends a transport without raising it.
/// </summary>
internal sealed class GatedTransport : TransportBase
{
    private readonly TransportBase _inner;
    private readonly GatedTransportListener _gate;
    private readonly TransportAsyncCallbackArgs _accepted;
    private int _released;

    public GatedTransport(TransportBase inner, GatedTransportListener gate, TransportAsyncCallbackArgs accepted)
        : base("gated", inner.Identifier)
    {
        _inner = inner;
        _gate = gate;
        _accepted = accepted;
    }

    public override string LocalEndPoint => _inner.LocalEndPoint;

    public override string RemoteEndPoint => _inner.RemoteEndPoint;

    public override bool IsSecure => _inner.IsSecure;

    /// <summary>Aborts the transport when its AMQP open has not completed in time; disposed once it has.</summary>
    public ITimer? OpenTimer { get; set; }

    public override void SetMonitor(ITransportMonitor usageMeter) => _inner.SetMonitor(usageMeter);

    public override bool WriteAsync(TransportAsyncCallbackArgs args) => _inner.WriteAsync(args);

    public override bool ReadAsync(TransportAsyncCallbackArgs args) => _inner.ReadAsync(args);

    protected override bool CloseInternal()
    {
        Release();
        _inner.Close();
        return true;
    }

    protected override void AbortInternal()
    {
        Release();
        _inner.Abort();
    }

    private void Release()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            OpenTimer?.Dispose();
            _gate.Release(_accepted);
        }
    }
}
