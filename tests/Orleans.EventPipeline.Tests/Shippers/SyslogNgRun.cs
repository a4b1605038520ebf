using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;
using Orleans.EventPipeline.Tests.Observability;

namespace Orleans.EventPipeline.Tests.Shippers;

/// <summary>
/// The real syslog-ng (Debian's <c>syslog-ng-core</c> and <c>syslog-ng-mod-http</c>, which <c>test.sh</c> installs) run
/// in the foreground with the configuration README.md shows ("syslog-ng"), which sends by its <c>http()</c> destination to
/// <c>/v1/events</c>.
/// </summary>
internal sealed class SyslogNgRun : IAsyncDisposable
{
    public const string Binary = "/usr/sbin/syslog-ng";

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private readonly string _workDirectory;

    private SyslogNgRun(Process process, string workDirectory)
    {
        _process = process;
        _workDirectory = workDirectory;
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
    /// The configuration README.md shows (its block that defines <c>d_eventpipeline</c>: a TCP source, the destination, the
    /// log path), for <paramref name="key"/>'s tenant at <paramref name="gateway"/>, its disk buffer in
    /// <paramref name="bufferDirectory"/>: read from the file, so the tests run what a reader copies.
    /// </summary>
    public static async Task<string> ReadmeConfigurationAsync(Uri gateway, string key, string bufferDirectory)
    {
        var readme = await RepositoryFiles.ReadAsync("README.md");
        var block = Regex.Match(readme, "```\n(?<configuration>source s_net [^`]*destination d_eventpipeline [^`]*)```").Groups["configuration"].Value;
        Assert.False(string.IsNullOrEmpty(block), "README.md has no syslog-ng configuration block (source s_net, destination d_eventpipeline)");
        return Swap(Swap(Swap(block, "http://127.0.0.1:5080", gateway.GetLeftPart(UriPartial.Authority)), "<key>", key), "/var/lib/syslog-ng/eventpipeline", bufferDirectory);
    }

    /// <summary><paramref name="text"/> with <paramref name="from"/> replaced, which it must hold: a test that changes README's configuration names what it changes.</summary>
    public static string Swap(string text, string from, string to)
    {
        Assert.True(text.Contains(from, StringComparison.Ordinal), $"the syslog-ng configuration has no '{from}' to replace:\n{text}");
        return text.Replace(from, to, StringComparison.Ordinal);
    }

    /// <summary>README's source, on loopback at <paramref name="port"/> instead of every address at 514.</summary>
    public static string OnLoopback(string configuration, int port) =>
        Swap(Swap(configuration, "network(port(514)", "network(port(514) ip(\"127.0.0.1\")"), "port(514)", $"port({port})");

    /// <summary>README's configuration reading <paramref name="inputFile"/> whole instead, each line as it is, in <c>${MESSAGE}</c>, as README says.</summary>
    public static string FromFile(string configuration, string inputFile) =>
        Swap(
            Regex.Replace(configuration, "source s_net \\{[^\n]*\\};", $$"""source s_net { file("{{inputFile}}" flags(no-parse) follow-freq(1)); };"""),
            "body(\"${RAWMSG}\")",
            "body(\"${MESSAGE}\")");

    /// <summary>Starts syslog-ng in the foreground with <paramref name="configuration"/>.</summary>
    public static SyslogNgRun Start(string workDirectory, string configuration)
    {
        Directory.CreateDirectory(Path.Combine(workDirectory, "buffer"));
        var file = Path.Combine(workDirectory, "syslog-ng.conf");
        File.WriteAllText(file, $$"""
            @version: 3.38
            options { stats-level(1); log-msg-size(65536); };
            {{configuration}}
            """);
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])["-F", "-e", "--no-caps", "-f", file, "-R", Path.Combine(workDirectory, "persist"), "-p", Path.Combine(workDirectory, "pid"), "-c", Control(workDirectory)])
        {
            start.ArgumentList.Add(argument);
        }

        return new SyslogNgRun(Process.Start(start) ?? throw new InvalidOperationException($"{Binary} did not start."), workDirectory);
    }

    /// <summary>What <c>syslog-ng-ctl stats</c> counts for the destination: <paramref name="counter"/> (<c>dropped</c>, <c>written</c>, <c>queued</c>) summed over its queues.</summary>
    public async Task<long> DestinationCountAsync(string counter)
    {
        var stats = new ProcessStartInfo("/usr/sbin/syslog-ng-ctl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["stats", "-c", Control(_workDirectory)])
        {
            stats.ArgumentList.Add(argument);
        }

        using var ctl = Process.Start(stats)!;
        var text = await ctl.StandardOutput.ReadToEndAsync();
        await ctl.WaitForExitAsync();
        return text.Split('\n')
            .Select(static line => line.Split(';'))
            .Where(fields => fields.Length >= 6 && fields[0] == "dst.http" && fields[^2] == counter)
            .Sum(static fields => long.Parse(fields[^1], System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string Control(string workDirectory) => Path.Combine(workDirectory, "ctl");

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
