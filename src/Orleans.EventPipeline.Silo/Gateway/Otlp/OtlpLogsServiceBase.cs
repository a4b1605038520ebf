using Google.Protobuf;
using Grpc.Core;
using Orleans.EventPipeline.Silo.Gateway.Otlp.Proto;

namespace Orleans.EventPipeline.Silo.Gateway.Otlp;

/// <summary>
/// <c>opentelemetry.proto.collector.logs.v1.LogsService</c> as the generated <see cref="LogsService.LogsServiceBase"/>
/// binds it, but with a request marshaller of its own. Grpc.AspNetCore deserializes the message before the service
/// (or an interceptor) runs, and answers an exception there with UNKNOWN unless it is an <see cref="RpcException"/>:
/// this marshaller throws INVALID_ARGUMENT naming the problem, which OTLP clients do not retry.
/// </summary>
[BindServiceMethod(typeof(OtlpLogsServiceBase), nameof(BindService))]
internal abstract class OtlpLogsServiceBase
{
    private static readonly Method<ExportLogsServiceRequest, ExportLogsServiceResponse> ExportMethod = new(
        MethodType.Unary,
        LogsService.Descriptor.FullName,
        nameof(Export),
        Marshallers.Create(static (request, context) => Write(request, context), ParseRequest),
        Marshallers.Create(static (response, context) => Write(response, context), static context => ExportLogsServiceResponse.Parser.ParseFrom(context.PayloadAsReadOnlySequence())));

    public abstract Task<ExportLogsServiceResponse> Export(ExportLogsServiceRequest request, ServerCallContext context);

    /// <summary>Found by Grpc.AspNetCore through the attribute; it passes no instance and calls <see cref="Export"/> on one per call.</summary>
    public static void BindService(ServiceBinderBase binder, OtlpLogsServiceBase? service)
    {
        ArgumentNullException.ThrowIfNull(binder);
        binder.AddMethod(ExportMethod, service is null ? null : service.Export);
    }

    private static ExportLogsServiceRequest ParseRequest(DeserializationContext context)
    {
        try
        {
            return ExportLogsServiceRequest.Parser.ParseFrom(context.PayloadAsReadOnlySequence());
        }
        catch (InvalidProtocolBufferException exception)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, $"The message is not an OTLP ExportLogsServiceRequest in protobuf: {exception.Message}"));
        }
    }

    private static void Write(IMessage message, SerializationContext context)
    {
        context.SetPayloadLength(message.CalculateSize());
        message.WriteTo(context.GetBufferWriter());
        context.Complete();
    }
}
