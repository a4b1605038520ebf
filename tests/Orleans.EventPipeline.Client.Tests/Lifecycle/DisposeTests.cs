using System.Collections.Concurrent;
using Orleans.EventPipeline.Client.Tests.Support;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Client.Tests.Lifecycle;

/// <summary>After DisposeAsync nothing is taken that is not spooled: calls throw ObjectDisposedException, waiting producers are released, a second dispose is harmless.</summary>
[Collection(SharedSiloGroup.Name)]
public sealed class DisposeTests(SharedSilo shared, ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _dir = new();

    [Fact]
    public async Task AfterDispose_EveryCallThrowsObjectDisposed_AndASecondDisposeIsHarmless()
    {
        var client = new EventPipelineClient(TestClients.Options(new Uri("http://127.0.0.1:9"), "k", _dir.Path));
        await client.DisposeAsync();
        var files = Directory.EnumerateFiles(_dir.Path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();

        // A second dispose threw ObjectDisposedException (finding 4).
        await client.DisposeAsync();
        // These returned normally: the events of SendAsync were lost, and FlushAsync made a segment in a directory no longer locked.
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.SendAsync(NumberedEvents.Make("d", 0, 1)));
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.FlushAsync());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.DrainAsync());
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.SaveCheckpointAsync(new SourceCheckpoint("s", "1")));
        Assert.Equal(files, Directory.EnumerateFiles(_dir.Path, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList());
    }

    [Fact]
    public async Task AProducerBlockedOnAFullSpool_FailsWhenTheClientIsDisposed()
    {
        var options = TestClients.Options(new Uri("http://127.0.0.1:9"), "k", _dir.Path);
        // The least the options allow: 128 KiB of batches besides the 128 KiB kept for the reserve and a split record.
        options.MaxSpoolBytes = 256 * 1024;
        options.MaxBatchBytes = 4 * 1024;
        options.Compress = false;
        var client = new EventPipelineClient(options);
        // Not started: nothing frees room, so the spool fills and the next send waits.
        Task blocked = Task.CompletedTask;
        for (var i = 0; i < 1000 && blocked.IsCompleted; i++)
        {
            blocked = client.SendAsync(System.Text.Encoding.UTF8.GetBytes($"{{\"n\":{i},\"pad\":\"{new string('x', 1000)}\"}}"));
            if (blocked.IsCompleted)
            {
                await blocked;
            }
        }

        Assert.False(blocked.IsCompleted, "the spool never filled");
        await client.DisposeAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(30));

        // It waited for ever: the producer (a file tail, say) hung in a client already gone.
        await Assert.ThrowsAsync<ObjectDisposedException>(() => blocked.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task ProducersRacingDispose_EveryCallThatReturnedIsArchived_OnceTheNextClientDrains()
    {
        // 4 producers, dispose at 2 s: 1,316 calls returned normally, 1,269 archived, 47 lost with no exception (finding 4).
        const string tenant = "disposed-race";
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync(tenant);
        var options = TestClients.Options(silo.Url, key, _dir.Path);
        var returned = new ConcurrentBag<string>();
        var disposed = 0;
        var client = new EventPipelineClient(options);
        var producers = Enumerable.Range(0, 4).Select(p => Task.Run(async () =>
        {
            // Goes on 50 calls past the dispose: each must throw, or its events must be spooled.
            var after = 0;
            for (var call = 0; after < 50; call++)
            {
                if (Volatile.Read(ref disposed) == 1)
                {
                    after++;
                }

                var events = NumberedEvents.Make($"p{p}", call * 10, 10);
                try
                {
                    await client.SendAsync(events);
                }
                catch (ObjectDisposedException)
                {
                    return;
                }

                foreach (var name in NumberedEvents.Names($"p{p}", call * 10, 10))
                {
                    returned.Add(name);
                }
            }
        })).ToList();
        await Poll.UntilAsync(() => returned.Count >= 2000, TimeSpan.FromSeconds(60), () => $"{returned.Count} events taken");
        await client.DisposeAsync();
        Volatile.Write(ref disposed, 1);
        await Task.WhenAll(producers).WaitAsync(TimeSpan.FromSeconds(60));

        await using (var next = new EventPipelineClient(options))
        {
            next.Start();
            await next.DrainAsync().WaitAsync(TimeSpan.FromSeconds(120));
        }

        var acknowledged = returned.ToHashSet(StringComparer.Ordinal);
        var archived = await silo.ArchivedAsync(tenant, acknowledged.Count, TimeSpan.FromSeconds(90));
        ExactlyOnce.AssertArchived(tenant, acknowledged, archived, output);
    }

    public void Dispose() => _dir.Dispose();
}
