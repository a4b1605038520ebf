namespace Orleans.EventPipeline.Client.Tests.Delivery;

/// <summary>What the gateway would not count as an event is refused at SendAsync, so the client's indexes are the gateway's.</summary>
public sealed class EventShapeTests : IDisposable
{
    private readonly TempDirectory _spool = new();

    [Theory]
    // The gateway strips a body's leading BOM and skips the blank line left: as a batch's first event the indexes
    // shifted, 3 acknowledged and 1 rejected counted while 2 were archived, and the wrong bytes handed over (finding 6).
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF })]
    [InlineData(new byte[] { 0xEF, 0xBB, 0xBF, (byte)' ', (byte)'\t' })]
    [InlineData(new byte[] { (byte)' ', (byte)'\r' })]
    public async Task AnEventThatIsOnlyABomOrBlank_IsRefusedAtSend(byte[] blank)
    {
        await using var client = new EventPipelineClient(new EventPipelineClientOptions { Endpoint = new Uri("http://127.0.0.1:9"), ApiKey = "k", SpoolDirectory = _spool.Path });

        var refused = await Assert.ThrowsAsync<ArgumentException>(() => client.SendAsync([blank, "{\"n\":1}"u8.ToArray()]));

        Assert.Contains("Event 0 ", refused.Message, StringComparison.Ordinal);
        Assert.Equal(0, client.Statistics.EventsQueued);
    }

    public void Dispose() => _spool.Dispose();
}
