namespace Orleans.EventPipeline.Silo.Warmup;

/// <summary>Where the silo reaches its own HTTP endpoints: the first plain-HTTP address it listens on, on loopback.</summary>
internal static class SelfAddress
{
    /// <summary>
    /// The base URI for <paramref name="addresses"/> as Kestrel reports them, leaving out <paramref name="otlpGrpcPort"/>
    /// (HTTP/2 only, where <c>/v1/events</c> is not served); null when none is plain HTTP on a port.
    /// </summary>
    public static Uri? From(IEnumerable<string> addresses, int otlpGrpcPort)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        foreach (var address in addresses)
        {
            BindingAddress binding;
            try
            {
                binding = BindingAddress.Parse(address);
            }
            catch (FormatException)
            {
                continue;
            }

            if (binding.IsUnixPipe || !string.Equals(binding.Scheme, "http", StringComparison.OrdinalIgnoreCase) || binding.Port <= 0 || binding.Port == otlpGrpcPort)
            {
                continue;
            }

            // A wildcard listens on every interface, loopback among them; Kestrel's IPv6 wildcard takes IPv4 too
            // (dual mode), and IPv4's loopback is there where a pod has no IPv6.
            var host = binding.Host is "+" or "*" or "0.0.0.0" or "" or "[::]" or "::" ? "127.0.0.1" : binding.Host;
            return new Uri($"http://{host}:{binding.Port}/", UriKind.Absolute);
        }

        return null;
    }
}
