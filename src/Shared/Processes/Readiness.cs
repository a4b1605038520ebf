using System.Net.Sockets;
using Orleans.EventPipeline.Testing;

namespace Orleans.EventPipeline.Processes;

/// <summary>Polls, with a deadline, until a started process serves; fails early when it exited.</summary>
internal static class Readiness
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(200);

    public static async Task WaitAsync(ChildProcess process, Func<Task<bool>> ready, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await ready())
        {
            if (!process.IsRunning)
            {
                throw new InvalidOperationException($"{process.Name} exited with code {process.ExitCode} before it was ready; {process.OutputHint}.");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{process.Name} was not ready within {timeout.TotalSeconds:N0} s; {process.OutputHint}.");
            }

            await Task.Delay(Interval, cancellationToken);
        }
    }

    public static Func<Task<bool>> Listens(int port) => () => LoopbackProbe.AcceptsAsync(port);

    public static Func<Task<bool>> Answers200(HttpClient http, Uri url) => async () =>
    {
        try
        {
            using var response = await http.GetAsync(url);
            return response.IsSuccessStatusCode;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or SocketException)
        {
            return false;
        }
    };
}
