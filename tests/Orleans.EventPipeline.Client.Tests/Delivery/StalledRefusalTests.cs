using System.Text;
using Orleans.EventPipeline.Client.Tests.Support;

namespace Orleans.EventPipeline.Client.Tests.Delivery;

/// <summary>
/// A refusal whose headers arrive and whose body then stalls (a proxy): the body was read with no deadline once the
/// headers had come, so the send loop, and every batch behind it, waited until the connection dropped (helper-121).
/// </summary>
public sealed class StalledRefusalTests : IDisposable
{
    private readonly TempDirectory _spool = new();

    // A 400: refused, reported and removed once its detail is read, for RequestTimeout at most. (A 413 reads its detail
    // the same way before the split; this test gateway answers one request at a time, so a stalled one holds the halves.)
    [Fact]
    public async Task RefusalBodyStalls_ReadForRequestTimeoutOnly_TheBatchIsHandled()
    {
        const int status = 400;
        using var stop = new CancellationTokenSource();
        await using var gateway = new HostileGateway(async (attempt, context) =>
        {
            if (attempt > 0)
            {
                await HostileGateway.AcceptAsync(context, 1);
                return;
            }

            context.Response.StatusCode = status;
            context.Response.ContentLength64 = 100_000;
            await context.Response.OutputStream.WriteAsync(Encoding.UTF8.GetBytes("{\"title\":\"x\""));
            await context.Response.OutputStream.FlushAsync();
            try
            {
                await Task.Delay(TimeSpan.FromMinutes(2), stop.Token);
            }
            catch (OperationCanceledException)
            {
            }
        });
        var options = TestClients.Options(gateway.Url, "key", _spool.Path);
        options.RequestTimeout = TimeSpan.FromSeconds(2);
        await using var client = new EventPipelineClient(options);
        client.Start();
        await client.SendAsync(NumberedEvents.Make("stall", 0, 2));

        var drained = client.DrainAsync();
        var first = await Task.WhenAny(drained, Task.Delay(TimeSpan.FromSeconds(30)));
        await stop.CancelAsync();

        Assert.Same(drained, first);
        Assert.Single(gateway.Attempts);
    }

    public void Dispose() => _spool.Dispose();
}
