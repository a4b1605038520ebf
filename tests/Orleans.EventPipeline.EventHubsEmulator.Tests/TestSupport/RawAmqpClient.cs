using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Azure.Amqp;
using Microsoft.Azure.Amqp.Framing;
using Microsoft.Azure.Amqp.Sasl;

namespace Orleans.EventPipeline.EventHubsEmulator.Tests.TestSupport;

/// <summary>
/// A bare AMQP client (Microsoft.Azure.Amqp, no Event Hubs SDK) for what the SDK never sends:
/// oversize transfers, malformed batches, connections dropped mid-transfer.
/// </summary>
internal sealed class RawAmqpClient : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private RawAmqpClient(AmqpConnection connection) => Connection = connection;

    public AmqpConnection Connection { get; }

    public static async Task<RawAmqpClient> ConnectAsync(TestEmulator emulator, bool putToken = true)
    {
        var address = new Uri($"amqp://127.0.0.1:{emulator.Server.Endpoint.Port}");
        AmqpConnection connection = await new AmqpConnectionFactory().OpenConnectionAsync(address, new SaslAnonymousHandler("MSSBCBS"), Timeout);
        var client = new RawAmqpClient(connection);
        if (putToken)
        {
            await client.PutTokenAsync($"amqp://127.0.0.1/{TestEmulator.Hub}");
        }

        return client;
    }

    /// <summary>Opens a sender to <paramref name="address"/> (e.g. <c>/events/Partitions/0</c>) on its own session.</summary>
    public async Task<SendingAmqpLink> OpenSenderAsync(string address, string? desiredCapability = null)
    {
        AmqpSession session = Connection.CreateSession(new AmqpSessionSettings());
        await session.OpenAsync(Timeout);
        var settings = new AmqpLinkSettings
        {
            LinkName = $"raw-{Guid.NewGuid():N}",
            Role = false,
            Source = new Source { Address = "raw-client" },
            Target = new Target { Address = address },
            SettleType = SettleMode.SettleOnReceive,
        };
        if (desiredCapability is not null)
        {
            settings.DesiredCapabilities = new Multiple<Microsoft.Azure.Amqp.Encoding.AmqpSymbol>([desiredCapability]);
        }

        var link = new SendingAmqpLink(session, settings);
        await link.OpenAsync(Timeout);
        return link;
    }

    public static Task<Outcome> SendAsync(SendingAmqpLink link, AmqpMessage message) =>
        link.SendMessageAsync(message, new ArraySegment<byte>(Guid.NewGuid().ToByteArray()), AmqpConstants.NullBinary, Timeout);

    public async ValueTask DisposeAsync() => await Connection.CloseAsync(Timeout);

    private async Task PutTokenAsync(string audience)
    {
        var cbs = new AmqpCbsLink(Connection);
        await cbs.SendTokenAsync(new SasTokenProvider(), new Uri(audience), audience, audience, ["Send", "Listen"], Timeout);
    }

    private sealed class SasTokenProvider : ICbsTokenProvider
    {
        public Task<CbsToken> GetTokenAsync(Uri namespaceAddress, string appliesTo, string[] requiredClaims)
        {
            string resource = WebUtility.UrlEncode(appliesTo);
            string expiry = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
            byte[] signature = HMACSHA256.HashData(Encoding.UTF8.GetBytes(TestEmulator.Key), Encoding.UTF8.GetBytes(resource + "\n" + expiry));
            string token = $"SharedAccessSignature sr={resource}&sig={WebUtility.UrlEncode(Convert.ToBase64String(signature))}&se={expiry}&skn={TestEmulator.KeyName}";
            return Task.FromResult(new CbsToken(token, "servicebus.windows.net:sastoken", DateTime.UtcNow.AddHours(1)));
        }
    }
}
