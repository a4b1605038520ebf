using System.Buffers;
using Google.Protobuf;
using Grpc.Core;
using Orleans.EventPipeline.Silo.Gateway.Otlp.Proto;

namespace Orleans.EventPipeline.Silo.Gateway.Otlp;

/// <summary>
/// <c>opentelemetry.proto.collector.logs.v1.LogsService</c> as the generated <see cref="LogsService.LogsServiceBase"/>
/// binds it, but with a request marshaller of its own that keeps the message's bytes (<see cref="OtlpGrpcRequest"/>).
/// Grpc.AspNetCore deserializes the message before the service (or an interceptor) runs: the service charges the
/// records to the request's memory first and then parses, answering a message that does not parse with INVALID_ARGUMENT
/// naming the problem, which OTLP clients do not retry (an exception other than <see cref="RpcException"/> would be UNKNOWN).
/// </summary>
[BindServiceMethod(typeof(OtlpLogsServiceBase), nameof(BindService))]
internal abstract class OtlpLogsServiceBase
{
    private static readonly Method<OtlpGrpcRequest, ExportLogsServiceResponse> ExportMethod = new(
        MethodType.Unary,
        LogsService.Descriptor.FullName,
        nameof(Export),
        Marshallers.Create<OtlpGrpcRequest>(WriteRequest, ReadRequest),
        Marshallers.Create(static (response, context) => Write(response, context), static context => ExportLogsServiceResponse.Parser.ParseFrom(context.PayloadAsReadOnlySequence())));

    public abstract Task<ExportLogsServiceResponse> Export(OtlpGrpcRequest request, ServerCallContext context);

    /// <summary>Found by Grpc.AspNetCore through the attribute; it passes no instance and calls <see cref="Export"/> on one per call.</summary>
    public static void BindService(ServiceBinderBase binder, OtlpLogsServiceBase? service)
    {
        ArgumentNullException.ThrowIfNull(binder);
        binder.AddMethod(ExportMethod, service is null ? null : service.Export);
    }

    private static OtlpGrpcRequest ReadRequest(DeserializationContext context) => new(context.PayloadAsReadOnlySequence().ToArray());

    private static void WriteRequest(OtlpGrpcRequest request, SerializationContext context)
    {
        context.SetPayloadLength(request.Payload.Length);
        context.GetBufferWriter().Write(request.Payload);
        context.Complete();
    }

    private static void Write(ExportLogsServiceResponse message, SerializationContext context)
    {
        context.SetPayloadLength(message.CalculateSize());
        message.WriteTo(context.GetBufferWriter());
        context.Complete();
    }
}
