using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Orleans.EventPipeline.Client.Tests.Support;
using Orleans.EventPipeline.Tests.Support;
using Xunit.Abstractions;

namespace Orleans.EventPipeline.Client.Tests.Agent;

/// <summary>The HTTP poll source against a real Kestrel endpoint that pages by cursor, killed (-9) and restarted in between.</summary>
[Collection(SharedSiloGroup.Name)]
public sealed class HttpPollTests(SharedSilo shared, ITestOutputHelper output) : IDisposable
{
    private const string Tenant = "poll";
    private const int PageSize = 10;
    private readonly TempDirectory _dir = new();
    private readonly List<string> _published = [];
    private readonly ConcurrentQueue<string?> _cursors = new();

    [Fact]
    public async Task CursorFollowedAndKeptAcrossAKill_EveryItemArchivedOnce()
    {
        var silo = shared.Silo;
        var key = await silo.Api.CreateTenantAsync(Tenant);
        await using var endpoint = await StartEndpointAsync();
        var url = endpoint.Urls.Single() + "/events";
        Publish(30);

        await using var agent = AgentProcess.Start(_dir.Path, silo.Url, key, "--http-poll", url, "--poll-interval", "00:00:00.200", "--quiet");
        await silo.ArchivedAsync(Tenant, 30, TimeSpan.FromSeconds(60));
        await agent.Process.KillAsync();

        Publish(20);
        var before = _cursors.Count;
        agent.Process.Start();
        var archived = await silo.ArchivedAsync(Tenant, 50, TimeSpan.FromSeconds(60));
        ExactlyOnce.AssertArchived(Tenant, NumberedEvents.Names("p", 0, 50), archived, output);

        // The first request after the restart asked for what follows the last spooled page, not for the start.
        Assert.Equal("30", _cursors.Skip(before).First());
    }

    private void Publish(int count)
    {
        lock (_published)
        {
            for (var i = 0; i < count; i++)
            {
                _published.Add(NumberedEvents.Name("p", _published.Count));
            }
        }
    }

    private async Task<WebApplication> StartEndpointAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        app.MapGet("/events", (HttpRequest request) =>
        {
            var cursor = request.Query["cursor"].FirstOrDefault();
            _cursors.Enqueue(cursor);
            var from = cursor is null ? 0 : int.Parse(cursor, System.Globalization.CultureInfo.InvariantCulture);
            lock (_published)
            {
                var items = _published.Skip(from).Take(PageSize).Select(static n => new { n, source = "poll" }).ToList();
                return Results.Json(new { items, nextCursor = (from + items.Count).ToString(System.Globalization.CultureInfo.InvariantCulture) });
            }
        });
        await app.StartAsync();
        return app;
    }

    public void Dispose() => _dir.Dispose();
}
