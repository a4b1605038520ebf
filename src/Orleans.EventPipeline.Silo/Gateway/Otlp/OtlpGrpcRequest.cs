using Google.Protobuf;
using Grpc.Core;
using Orleans.EventPipeline.Silo.Gateway.Otlp.Proto;

namespace Orleans.EventPipeline.Silo.Gateway.Otlp;

/// <summary>
/// An Export call's message as received, parsed by the service once its records are charged to the request's memory
/// (<see cref="OtlpParsedMemory"/>): Grpc.AspNetCore deserializes before the service runs, where no request's share of
/// the budget exists yet, and a message of 2-byte records parses into 100 times its size.
/// </summary>
internal sealed class OtlpGrpcRequest(byte[] payload)
{
    public byte[] Payload { get; } = payload;

    /// <summary>The message; INVALID_ARGUMENT naming the problem when it is not an ExportLogsServiceRequest (OTLP clients do not retry it).</summary>
    public ExportLogsServiceRequest Parse()
    {
        try
        {
            return ExportLogsServiceRequest.Parser.ParseFrom(Payload);
        }
        catch (InvalidProtocolBufferException exception)
        {
            throw new RpcException(new Grpc.Core.Status(StatusCode.InvalidArgument, $"The message is not an OTLP ExportLogsServiceRequest in protobuf: {exception.Message}"));
        }
    }
}
