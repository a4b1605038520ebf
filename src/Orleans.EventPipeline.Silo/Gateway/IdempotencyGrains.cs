using Microsoft.Extensions.Options;
using Orleans.EventPipeline.Ingest;
using Orleans.EventPipeline.Silo.Hosting;

namespace Orleans.EventPipeline.Silo.Gateway;

/// <summary>
/// The grain of a tenant's Idempotency-Key. In azure mode its key is <see cref="IdempotencyGrainKey"/>'s escaped form,
/// since Azure Table storage would make '/', '\', '#' and '?' one character; locally it is the key as sent, since the
/// SQLite store keeps every grain id apart (and a record written before the escaping existed is found as before).
/// </summary>
internal sealed class IdempotencyGrains(IGrainFactory grains, IOptions<PipelineOptions> options)
{
    private readonly bool _tableStorage = options.Value.Mode == PipelineMode.Azure;

    public IIdempotentIngestGrain For(string tenantId, string idempotencyKey) =>
        grains.GetGrain<IIdempotentIngestGrain>(IdempotencyGrainKey.For(tenantId, idempotencyKey, _tableStorage));
}
