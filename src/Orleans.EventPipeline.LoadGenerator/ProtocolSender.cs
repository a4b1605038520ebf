using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Orleans.EventPipeline.Silo.Gateway.Otlp.Proto;

namespace Orleans.EventPipeline.LoadGenerator;

/// <summary>
/// The same batches as <see cref="BatchBodies"/>, sent over a shipper protocol: Splunk HEC (each NDJSON line as an
/// object <c>event</c>, concatenated), OTLP/HTTP protobuf or OTLP/gRPC (each line a log record: its time, host as
/// the resource, message as the body, other fields as attributes). Bodies are built once before the run.
/// </summary>
internal sealed class ProtocolSender : IDisposable
{
    /// <summary><c>/v1/events</c> itself, for a phase of it among the protocols' (no sender).</summary>
    public const string Native = "native";
    public const string Hec = "hec";
    public const string OtlpHttp = "otlp-http";
    public const string OtlpGrpc = "otlp-grpc";

    private readonly string _protocol;
    private readonly HttpClient _http;
    private readonly byte[][] _bodies;
    private readonly ExportLogsServiceRequest[] _requests;
    private readonly GrpcChannel? _channel;
    private readonly LogsService.LogsServiceClient? _client;

    private ProtocolSender(string protocol, HttpClient http, byte[][] bodies, ExportLogsServiceRequest[] requests, Uri? grpc)
    {
        _protocol = protocol;
        _http = http;
        _bodies = bodies;
        _requests = requests;
        if (grpc is not null)
        {
            _channel = GrpcChannel.ForAddress(grpc, new GrpcChannelOptions { MaxSendMessageSize = null });
            _client = new LogsService.LogsServiceClient(_channel);
        }
    }

    public string Protocol => _protocol;

    public static ProtocolSender Create(string protocol, HttpClient http, Uri? grpc, byte[][] ndjson)
    {
        ArgumentNullException.ThrowIfNull(ndjson);
        return protocol switch
        {
            Hec => new ProtocolSender(protocol, http, ndjson.Select(HecBody).ToArray(), [], null),
            OtlpHttp => Otlp(protocol, http, null, ndjson),
            OtlpGrpc => Otlp(protocol, http, grpc ?? throw new ArgumentException("OTLP/gRPC needs the gateway's gRPC address: --grpc-url."), ndjson),
            _ => throw new ArgumentException($"Unknown protocol '{protocol}': use {Hec}, {OtlpHttp} or {OtlpGrpc}."),
        };
    }

    /// <summary>Sends batch <paramref name="n"/>; the HTTP status (gRPC statuses as OTLP/HTTP's) and the bytes sent.</summary>
    public async Task<(int Status, int Bytes)> SendAsync(string key, int n)
    {
        var variant = n % Math.Max(_bodies.Length, _requests.Length);
        if (_client is not null)
        {
            var request = _requests[variant];
            try
            {
                await _client.ExportAsync(request, new Grpc.Core.Metadata { { "authorization", "Bearer " + key } });
                return (200, request.CalculateSize());
            }
            catch (RpcException exception)
            {
                return (exception.StatusCode switch { StatusCode.ResourceExhausted => 429, StatusCode.Unavailable => 503, StatusCode.Unauthenticated => 401, _ => 500 }, 0);
            }
        }

        var body = _bodies[variant];
        using var message = new HttpRequestMessage(HttpMethod.Post, _protocol == Hec ? "/services/collector/event" : "/v1/logs") { Content = new ByteArrayContent(body) };
        message.Content.Headers.ContentType = new MediaTypeHeaderValue(_protocol == Hec ? "application/json" : "application/x-protobuf");
        message.Headers.Authorization = new AuthenticationHeaderValue(_protocol == Hec ? "Splunk" : "Bearer", key);
        try
        {
            using var response = await _http.SendAsync(message);
            return ((int)response.StatusCode, body.Length);
        }
        catch (HttpRequestException)
        {
            return (0, body.Length);
        }
    }

    public void Dispose() => _channel?.Dispose();

    private static ProtocolSender Otlp(string protocol, HttpClient http, Uri? grpc, byte[][] ndjson)
    {
        var requests = ndjson.Select(OtlpRequest).ToArray();
        return new ProtocolSender(protocol, http, requests.Select(static r => r.ToByteArray()).ToArray(), requests, grpc);
    }

    private static byte[] HecBody(byte[] ndjson)
    {
        var builder = new StringBuilder(ndjson.Length * 11 / 10);
        foreach (var line in Lines(ndjson))
        {
            builder.Append("{\"event\":").Append(line).Append("}\n");
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    private static ExportLogsServiceRequest OtlpRequest(byte[] ndjson)
    {
        var scope = new ScopeLogs { Scope = new InstrumentationScope { Name = "load" } };
        foreach (var line in Lines(ndjson))
        {
            using var json = JsonDocument.Parse(line);
            var record = new LogRecord { SeverityNumber = SeverityNumber.Info };
            foreach (var field in json.RootElement.EnumerateObject())
            {
                switch (field.Name)
                {
                    case "ts":
                        var time = DateTimeOffset.Parse(field.Value.GetString()!, CultureInfo.InvariantCulture);
                        record.TimeUnixNano = (ulong)(time - DateTimeOffset.UnixEpoch).Ticks * 100;
                        break;
                    case "msg":
                        record.Body = new AnyValue { StringValue = field.Value.GetString() };
                        break;
                    default:
                        record.Attributes.Add(new KeyValue { Key = field.Name, Value = new AnyValue { StringValue = field.Value.GetString() } });
                        break;
                }
            }

            scope.LogRecords.Add(record);
        }

        var resource = new ResourceLogs { Resource = new Resource() };
        resource.Resource.Attributes.Add(new KeyValue { Key = "service.name", Value = new AnyValue { StringValue = "load" } });
        resource.ScopeLogs.Add(scope);
        var request = new ExportLogsServiceRequest();
        request.ResourceLogs.Add(resource);
        return request;
    }

    private static string[] Lines(byte[] ndjson) =>
        Encoding.UTF8.GetString(ndjson).Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
