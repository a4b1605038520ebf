using System.Diagnostics;
using System.Net;
using Orleans.EventPipeline.Tests.Hosting;

namespace Orleans.EventPipeline.Tests.Admin;

/// <summary>A /ui sign-in lasts at most <c>Pipeline:AdminSessionLimit</c>, however often its cookie is used.</summary>
public sealed class AdminSessionTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(4);

    /// <summary>
    /// Before, the cookie was renewed while used (8 hours after the last use) and the tenants page refreshes itself every
    /// 5 s, so a tab left open kept its session for good (helper-115). Here a browser keeps asking for the tenants page:
    /// it is served until the limit, then sent to sign in; signing in again works.
    /// </summary>
    [Fact]
    public async Task SignedInCookie_UsedAllAlong_StopsAtTheSessionLimit_ThenSigningInAgainWorks()
    {
        using var data = new TempDirectory();
        await using var silo = await SiloProcess.StartReadyAsync(data.Path, $"--Pipeline:AdminSessionLimit={Limit:c}");
        var signedIn = Stopwatch.StartNew();
        using var ui = await UiSession.SignInAsync(silo.BaseAddress, SiloProcess.AdminKey);

        // Asked for as an open tab does, until the answer is not the page (or well past the limit).
        var served = 0;
        HttpResponseMessage last;
        while (true)
        {
            last = await ui.Http.GetAsync("/ui/");
            if (last.StatusCode != HttpStatusCode.OK || signedIn.Elapsed > Limit + TimeSpan.FromSeconds(30))
            {
                break;
            }

            served++;
            last.Dispose();
            await Task.Delay(TimeSpan.FromMilliseconds(200));
        }

        var sentAway = signedIn.Elapsed;
        using var again = await UiSession.SignInAsync(silo.BaseAddress, SiloProcess.AdminKey);
        using var afterSignIn = await again.Http.GetAsync("/ui/");

        Assert.Equal(HttpStatusCode.Redirect, last.StatusCode);
        Assert.Equal("/ui/signin", last.Headers.Location?.AbsolutePath);
        Assert.True(sentAway >= Limit, $"sent to sign in after {sentAway}, before the limit of {Limit}");
        Assert.True(served > 1, "the page was served while the session lasted");
        Assert.Equal(HttpStatusCode.OK, afterSignIn.StatusCode);
        last.Dispose();
    }

    [Fact]
    public void SessionLimit_OutOfRange_NamedWithItsRange()
    {
        var failures = new Silo.Hosting.PipelineOptionsValidator().Validate(null, new Silo.Hosting.PipelineOptions { AdminSessionLimit = TimeSpan.FromDays(8) }).Failures;

        Assert.Contains("Pipeline:AdminSessionLimit is 8.00:00:00: use 00:00:01 to 7.00:00:00.", failures ?? []);
    }
}
