namespace Orleans.EventPipeline.Silo.Gateway.Hec;

/// <summary>The status codes of Splunk's HTTP Event Collector answers (<c>{"text":…,"code":n}</c>).</summary>
public enum HecCode
{
    Success = 0,
    TokenDisabled = 1,
    TokenRequired = 2,
    InvalidAuthorization = 3,
    InvalidToken = 4,
    NoData = 5,
    InvalidDataFormat = 6,
    ServerBusy = 9,
    DataChannelMissing = 10,
    InvalidDataChannel = 11,
    EventFieldRequired = 12,
    EventFieldBlank = 13,
    IndexedFieldsError = 15,
    Healthy = 17,
    Unhealthy = 18,
}
