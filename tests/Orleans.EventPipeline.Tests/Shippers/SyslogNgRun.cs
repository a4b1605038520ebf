using System.Diagnostics;
using System.Text;

namespace Orleans.EventPipeline.Tests.Shippers;

/// <summary>
/// The real syslog-ng (Debian's <c>syslog-ng-core</c> and <c>syslog-ng-mod-http</c>, which <c>test.sh</c> installs) run
/// in the foreground with a configuration of its own: a file read line by line, sent by its <c>http()</c> destination to
/// <c>/v1/events</c> with the settings README.md shows ("syslog-ng").
/// </summary>
internal sealed class SyslogNgRun : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/syslog-ng";

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private SyslogNgRun(Process process)
    {
        _process = process;
        process.OutputDataReceived += (_, line) => Append(line.Data);
        process.ErrorDataReceived += (_, line) => Append(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
    }

    /// <summary>What syslog-ng wrote to its standard output and error (its own log, with <c>-e</c>).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// The destination README.md shows, for <paramref name="key"/>'s tenant: batches of up to 100 lines, a reliable disk
    /// buffer, a refused batch sent again after 1 s (<c>time-reopen</c>; 60 s by default). <paramref name="body"/> is the
    /// macro each line is: <c>${MESSAGE}</c> for a file read with <c>flags(no-parse)</c>, <c>${RAWMSG}</c> for a network
    /// source that keeps the raw message (<see cref="TcpSource"/>).
    /// </summary>
    public static string Destination(Uri gateway, string key, string bufferDirectory, string body = "${MESSAGE}") => $$"""
        destination d_eventpipeline {
          http(url("{{new Uri(gateway, "/v1/events")}}") method("POST")
               headers("Authorization: Bearer {{key}}", "Content-Type: text/plain")
               body("{{body}}") delimiter("\n")
               batch-lines(100) batch-bytes(1000000) batch-timeout(200)
               time-reopen(1)
               disk-buffer(reliable(yes) disk-buf-size(104857600) mem-buf-size(1048576) dir("{{bufferDirectory}}")));
        };
        """;

    /// <summary>A file read whole, each line as it is (no syslog parsing): its <c>${MESSAGE}</c>.</summary>
    public static string FileSource(string inputFile) => $$"""source s_in { file("{{inputFile}}" flags(no-parse) follow-freq(1)); };""";

    /// <summary>Syslog over TCP on loopback, one message per line, each kept as received: its <c>${RAWMSG}</c>.</summary>
    public static string TcpSource(int port) => $$"""source s_in { network(ip("127.0.0.1") port({{port}}) transport("tcp") flags(store-raw-message)); };""";

    /// <summary>Starts syslog-ng sending what <paramref name="source"/> (named <c>s_in</c>) reads into <paramref name="destination"/>.</summary>
    public static SyslogNgRun Start(string workDirectory, string source, string destination)
    {
        Directory.CreateDirectory(Path.Combine(workDirectory, "buffer"));
        var configuration = Path.Combine(workDirectory, "syslog-ng.conf");
        File.WriteAllText(configuration, $$"""
            @version: 3.38
            options { stats-level(1); log-msg-size(65536); };
            {{source}}
            {{destination}}
            log { source(s_in); destination(d_eventpipeline); };
            """);
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-F", "-e", "--no-caps", "-f", configuration, "-R", Path.Combine(workDirectory, "persist"), "-p", Path.Combine(workDirectory, "pid"), "-c", Path.Combine(workDirectory, "ctl")])
        {
            start.ArgumentList.Add(argument);
        }

        return new SyslogNgRun(Process.Start(start) ?? throw new InvalidOperationException($"{Binary} did not start."));
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_output)
            {
                _output.AppendLine(line);
            }
        }
    }
}
