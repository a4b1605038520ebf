using Orleans.EventPipeline.Silo.Warmup;

namespace Orleans.EventPipeline.Tests.Hosting;

/// <summary>The address a gateway's warm-up posts to: its own plain-HTTP listener, on loopback, never the OTLP/gRPC port.</summary>
public sealed class SelfAddressTests
{
    private const int GrpcPort = 4317;

    [Theory]
    [InlineData("http://127.0.0.1:5080", "http://127.0.0.1:5080/")]
    [InlineData("http://0.0.0.0:8080", "http://127.0.0.1:8080/")]
    [InlineData("http://[::]:8080", "http://127.0.0.1:8080/")]
    [InlineData("http://localhost:5000", "http://localhost:5000/")]
    [InlineData("http://10.1.2.3:8080", "http://10.1.2.3:8080/")]
    public void From_TheListenersAddress_OnLoopbackWhereItListensEverywhere(string address, string expected) =>
        Assert.Equal(new Uri(expected), SelfAddress.From([address], GrpcPort));

    [Fact]
    public void From_SkipsHttpsAndTheGrpcPort_NullWithoutAPlainHttpListener()
    {
        Assert.Equal(new Uri("http://127.0.0.1:8080/"), SelfAddress.From(["https://0.0.0.0:8443", $"http://0.0.0.0:{GrpcPort}", "http://0.0.0.0:8080"], GrpcPort));
        Assert.Null(SelfAddress.From(["https://0.0.0.0:8443", $"http://[::]:{GrpcPort}"], GrpcPort));
        Assert.Null(SelfAddress.From([], GrpcPort));
    }
}
