namespace Orleans.EventPipeline.Silo.Gateway.Shippers;

/// <summary>Settings of the shipper protocols (Splunk HEC, OTLP), bound from <c>Pipeline:Shippers</c>.</summary>
public sealed class ShipperOptions
{
    public const string SectionName = "Pipeline:Shippers";

    /// <summary>
    /// TCP port of OTLP over gRPC (HTTP/2 without TLS, "h2c"), on the address of the first of <c>Urls</c>:
    /// 4317, the port OTLP exporters send gRPC to by default. 0 picks a free one (logged at start).
    /// </summary>
    public int OtlpGrpcPort { get; set; } = 4317;

    /// <summary>
    /// HEC ack channels a gateway keeps at most, of all tenants: 10,000. Past it, channels unused for 10 minutes are
    /// dropped; then a tenant holding fewer channels than the one holding the most takes the place of that one's least
    /// recently used channel with no request in flight, so tenants that flood share the 10,000 evenly and cannot keep
    /// another out; else a request on a new channel is answered "server is busy" (code 9, 503). With
    /// <see cref="HecMaxAcksPerChannel"/> this bounds the acks held: 10,000 x 1,000 at about 24 bytes each, 240 MB.
    /// </summary>
    public int HecMaxChannels { get; set; } = 10_000;

    /// <summary>
    /// HEC ack channels one tenant keeps at most: 1,000, a tenth of <see cref="HecMaxChannels"/>, so one tenant's flood of
    /// new channels is "server is busy" for that tenant alone while 9,000 stay for the others (a forwarder uses one
    /// channel, or a few). Past it, that tenant's channels unused for <see cref="HecIdleChannel"/> are dropped first. 1 to <see cref="HecMaxChannels"/>.
    /// </summary>
    public int HecMaxChannelsPerTenant { get; set; } = 1_000;

    /// <summary>
    /// Acks one channel holds unread at most: 1,000 (a client that sent 1,000 requests without asking about one);
    /// past it, a request is answered "server is busy" until the client reads some. Also the most ids one ack query may name.
    /// </summary>
    public int HecMaxAcksPerChannel { get; set; } = 1_000;

    /// <summary>
    /// How long an ack channel must go unused before it may be dropped at a channel cap: 10 minutes, as Splunk's
    /// channel cleanup. Shorter frees a flood's channels sooner; a dropped channel's ids are answered true, as
    /// for any channel this gateway does not hold, so nothing a client relies on is lost with it.
    /// </summary>
    public TimeSpan HecIdleChannel { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How long an ack the client was answered (a 200 with its <c>ackId</c>) is kept unread: 10 minutes, Splunk's
    /// <c>maxIdleTime</c> of 600 s. Past it the ack no longer counts toward <see cref="HecMaxAcksPerChannel"/>, so a
    /// client that lost its 200s (a timeout) or never queries cannot hold a channel at 1,000 acks for good; a query
    /// about it is still answered true, as for any id whose request is not in flight here.
    /// </summary>
    public TimeSpan HecAckExpiry { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Every wrong setting, each with the fix.</summary>
    public IEnumerable<string> Validate(int siloPort, int gatewayPort)
    {
        if (OtlpGrpcPort is < 0 or > 65535)
        {
            yield return $"{SectionName}:OtlpGrpcPort is {OtlpGrpcPort}: use a TCP port between 1 and 65535, or 0 for any free port.";
        }
        else if (OtlpGrpcPort != 0 && (OtlpGrpcPort == siloPort || OtlpGrpcPort == gatewayPort))
        {
            yield return $"{SectionName}:OtlpGrpcPort is {OtlpGrpcPort}, the port of Pipeline:SiloPort or Pipeline:GatewayPort: give it a port of its own.";
        }

        if (HecMaxChannels is < 1 or > 1_000_000)
        {
            yield return $"{SectionName}:HecMaxChannels is {HecMaxChannels}: use 1 to 1000000.";
        }
        else if (HecMaxChannelsPerTenant < 1 || HecMaxChannelsPerTenant > HecMaxChannels)
        {
            yield return $"{SectionName}:HecMaxChannelsPerTenant is {HecMaxChannelsPerTenant}: use 1 to {SectionName}:HecMaxChannels ({HecMaxChannels}).";
        }

        if (HecMaxAcksPerChannel is < 1 or > 1_000_000)
        {
            yield return $"{SectionName}:HecMaxAcksPerChannel is {HecMaxAcksPerChannel}: use 1 to 1000000.";
        }

        if (HecIdleChannel < TimeSpan.FromSeconds(1) || HecIdleChannel > TimeSpan.FromDays(1))
        {
            yield return $"{SectionName}:HecIdleChannel is {HecIdleChannel}: use 00:00:01 to 1.00:00:00.";
        }

        if (HecAckExpiry < TimeSpan.FromSeconds(1) || HecAckExpiry > TimeSpan.FromDays(1))
        {
            yield return $"{SectionName}:HecAckExpiry is {HecAckExpiry}: use 00:00:01 to 1.00:00:00.";
        }
    }
}
