using Newtonsoft.Json;
using Orleans.Serialization;

namespace Orleans.EventPipeline.Silo.Hosting;

/// <summary>
/// How grain state is written by the grain stores of both modes (SQLite, Azure Table): Orleans' JSON, which by
/// default leaves out a value equal to its type's default or null, and a value left out reads back as the
/// property's initializer. A processor that archived through raw sequence 0 read back -1, a tenant's lateness
/// window of 0 read back 5 s, and a JSON field mapping of null ("map nothing") read back as the default field.
/// Every value is written; states written before this still read as they did.
/// </summary>
public static class StoredStateFormat
{
    public static ISiloBuilder WriteEveryStateValue(this ISiloBuilder silo)
    {
        ArgumentNullException.ThrowIfNull(silo);
        silo.Services.Configure<OrleansJsonSerializerOptions>(static json =>
        {
            json.JsonSerializerSettings.DefaultValueHandling = DefaultValueHandling.Include;
            json.JsonSerializerSettings.NullValueHandling = NullValueHandling.Include;
        });
        return silo;
    }
}
