using System.Diagnostics;
using System.Net;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Admin;

/// <summary>A /ui sign-in lasts at most <c>Pipeline:AdminSessionLimit</c>, however often its cookie is used, and no longer than its sign-out.</summary>
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

    /// <summary>
    /// Signing out ends the session for every copy of its cookie, not only in the browser that deleted it: the cookie is a
    /// signed principal any gateway accepts on its own, so a copy (another tab's, a stolen one) stayed valid for the rest of
    /// the limit. The end is stored, so a restart does not take it back, and it is the session's only: another sign-in
    /// goes on working.
    /// </summary>
    [Fact]
    public async Task SignOut_ACopyOfTheCookieIsRefused_AlsoAfterARestart_AnotherSessionIsNot()
    {
        using var data = new TempDirectory();
        await using var first = await SiloProcess.StartReadyAsync(data.Path);
        using var signedOut = await UiSession.SignInAsync(first.BaseAddress, SiloProcess.AdminKey);
        using var other = await UiSession.SignInAsync(first.BaseAddress, SiloProcess.AdminKey);
        var copy = CookieHeader(signedOut, first.BaseAddress);

        using var signOut = await signedOut.Http.PostAsync("/ui/signout", SignOutForm(await signedOut.Http.GetStringAsync("/ui/")));
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal("/ui/signin", signOut.Headers.Location?.OriginalString);

        await AssertRefusedAsync(first.BaseAddress, copy, "/ui/");
        await AssertRefusedAsync(first.BaseAddress, copy, "/dashboard/");
        using (var stillIn = await other.Http.GetAsync("/ui/"))
        {
            Assert.Equal(HttpStatusCode.OK, stillIn.StatusCode);
        }

        Assert.Equal(0, await first.TerminateAsync(TimeSpan.FromSeconds(45)));
        await using var second = await SiloProcess.StartReadyAsync(data.Path);

        await AssertRefusedAsync(second.BaseAddress, copy, "/ui/");
        using var otherAfter = other.On(second.BaseAddress);
        using var afterRestart = await otherAfter.Http.GetAsync("/ui/");
        Assert.True(afterRestart.StatusCode == HttpStatusCode.OK, $"the session not signed out answered {(int)afterRestart.StatusCode} {afterRestart.Headers.Location} after the restart");
    }

    /// <summary>
    /// A sign-out the grain store does not take (its write lock held past the store's 30 s busy timeout): the page says
    /// the browser is still signed in, and it is, so signing out again ends the session. The session was marked ended in
    /// memory before the write, so the failed sign-out refused the browser's cookie (no page left to sign out from) while
    /// nothing was stored, and every copy worked again once the activation was collected or the silo restarted (helper-142).
    /// </summary>
    [Fact]
    public async Task SignOut_TheStoreRefusesIt_StillSignedInAndSaidSo_SigningOutAgainEndsIt()
    {
        using var data = new TempDirectory();
        await using var silo = await SiloProcess.StartReadyAsync(data.Path);
        using var ui = await UiSession.SignInAsync(silo.BaseAddress, SiloProcess.AdminKey);
        var copy = CookieHeader(ui, silo.BaseAddress);
        var page = await ui.Http.GetStringAsync("/ui/");

        HttpStatusCode refusedStatus;
        string refusedPage;
        using (var store = SiloGrainStore.Open(data.Path))
        {
            using (var hold = store.CreateCommand())
            {
                hold.CommandText = "BEGIN IMMEDIATE";
                await hold.ExecuteNonQueryAsync();
            }

            using var refused = await ui.Http.PostAsync("/ui/signout", SignOutForm(page));
            (refusedStatus, refusedPage) = (refused.StatusCode, await refused.Content.ReadAsStringAsync());
            // The grain's write has failed, not only the call's wait, before the store is let go.
            await Poll.UntilAsync(
                () => silo.Output.Contains("adminsession", StringComparison.Ordinal) && silo.Output.Contains("WriteStateAsync", StringComparison.Ordinal),
                TimeSpan.FromSeconds(60),
                () => "the session's failed write was never logged");
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refusedStatus);
        Assert.Contains("You are still signed in", refusedPage, StringComparison.Ordinal);
        using (var stillIn = await ui.Http.GetAsync("/ui/"))
        {
            Assert.Equal(HttpStatusCode.OK, stillIn.StatusCode);
        }

        using var signOut = await ui.Http.PostAsync("/ui/signout", SignOutForm(await ui.Http.GetStringAsync("/ui/")));
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        await AssertRefusedAsync(silo.BaseAddress, copy, "/ui/");
    }

    private static FormUrlEncodedContent SignOutForm(string page) => new(new Dictionary<string, string> { ["__af"] = UiSession.TokenOf(page) });

    /// <summary>The sign-in and anti-forgery cookies of <paramref name="session"/>, as a Cookie header another client can send.</summary>
    private static string CookieHeader(UiSession session, Uri silo) =>
        string.Join("; ", session.Cookies.GetCookies(new Uri(silo, "/ui/")).Select(static c => $"{c.Name}={c.Value}"));

    private static async Task AssertRefusedAsync(Uri silo, string cookie, string path)
    {
        using var bare = new HttpClient(new HttpClientHandler { UseCookies = false, AllowAutoRedirect = false }) { BaseAddress = silo };
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Cookie", cookie);
        using var answer = await bare.SendAsync(request);
        Assert.True(
            answer.StatusCode == HttpStatusCode.Redirect && answer.Headers.Location?.OriginalString.Contains("/ui/signin", StringComparison.Ordinal) == true,
            $"{path} with a copy of the signed-out cookie answered {(int)answer.StatusCode} {answer.Headers.Location}");
    }

    [Fact]
    public void SessionLimit_OutOfRange_NamedWithItsRange()
    {
        var failures = new Silo.Hosting.PipelineOptionsValidator().Validate(null, new Silo.Hosting.PipelineOptions { AdminSessionLimit = TimeSpan.FromDays(8) }).Failures;

        Assert.Contains("Pipeline:AdminSessionLimit is 8.00:00:00: use 00:00:01 to 7.00:00:00.", failures ?? []);
    }
}
