using System.Net;

namespace Orleans.EventPipeline.Tests.Hosting;

/// <summary>
/// The /ui sign-in outlives the process: the data-protection keys that sign its cookie are kept in the silo's
/// data directory (local mode), not in the process's memory or the user's home, which a container does not keep.
/// </summary>
public sealed class KeyRingTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task UiCookie_SignedInBeforeARestart_IsAcceptedAfterIt_WithANewHome()
    {
        using var data = new TempDirectory();
        using var firstHome = new TempDirectory();
        using var secondHome = new TempDirectory();
        await using var first = SiloProcess.Start(data.Path, Home(firstHome));
        await first.WaitForReadyAsync(StartTimeout);
        using var session = await UiSession.SignInAsync(first.BaseAddress, SiloProcess.AdminKey);
        using (var before = await session.Http.GetAsync("/ui/"))
        {
            Assert.Equal(HttpStatusCode.OK, before.StatusCode);
            Assert.Equal(0, await first.TerminateAsync(TimeSpan.FromSeconds(45)));
        }

        // A new container: the same data volume, nothing else of the old process (its home included).
        await using var second = SiloProcess.Start(data.Path, Home(secondHome));
        await second.WaitForReadyAsync(StartTimeout);
        using var browser = session.On(second.BaseAddress);
        using var after = await browser.Http.GetAsync("/ui/");

        Assert.True(after.StatusCode == HttpStatusCode.OK, $"/ui/ after the restart answered {(int)after.StatusCode} {after.Headers.Location}: the sign-in cookie was refused.");
    }

    /// <summary>A HOME of its own for one process, as each container has: ASP.NET Core's default key ring lives under it.</summary>
    private static Dictionary<string, string> Home(TempDirectory home) => new() { ["HOME"] = home.Path };
}
