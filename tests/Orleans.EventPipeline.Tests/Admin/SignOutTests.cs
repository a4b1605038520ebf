using System.Net;
using Orleans.EventPipeline.Tests.Hosting;

namespace Orleans.EventPipeline.Tests.Admin;

/// <summary>
/// Signing out of /ui ends the session for every copy of its cookie, not only in the browser that deleted it: the cookie
/// is a signed principal any gateway accepts on its own, so a copy (another tab's, a stolen one) stayed valid for the rest
/// of <c>Pipeline:AdminSessionLimit</c> (12 hours by default). The end is stored, so a restart does not take it back,
/// and it is the session's only: another sign-in goes on working.
/// </summary>
public sealed class SignOutTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task SignOut_ACopyOfTheCookieIsRefused_AlsoAfterARestart_AnotherSessionIsNot()
    {
        using var data = new TempDirectory();
        await using var first = SiloProcess.Start(data.Path);
        await first.WaitForReadyAsync(StartTimeout);
        using var signedOut = await UiSession.SignInAsync(first.BaseAddress, SiloProcess.AdminKey);
        using var other = await UiSession.SignInAsync(first.BaseAddress, SiloProcess.AdminKey);
        var copy = CookieHeader(signedOut, first.BaseAddress);

        var page = await signedOut.Http.GetStringAsync("/ui/");
        using var signOut = await signedOut.Http.PostAsync("/ui/signout", new FormUrlEncodedContent(new Dictionary<string, string> { ["__af"] = UiSession.TokenOf(page) }));
        Assert.Equal(HttpStatusCode.Redirect, signOut.StatusCode);
        Assert.Equal("/ui/signin", signOut.Headers.Location?.OriginalString);

        await AssertRefusedAsync(first.BaseAddress, copy, "/ui/");
        await AssertRefusedAsync(first.BaseAddress, copy, "/dashboard/");
        using (var stillIn = await other.Http.GetAsync("/ui/"))
        {
            Assert.Equal(HttpStatusCode.OK, stillIn.StatusCode);
        }

        Assert.Equal(0, await first.TerminateAsync(TimeSpan.FromSeconds(45)));
        await using var second = SiloProcess.Start(data.Path);
        await second.WaitForReadyAsync(StartTimeout);

        await AssertRefusedAsync(second.BaseAddress, copy, "/ui/");
        using var otherAfter = other.On(second.BaseAddress);
        using var afterRestart = await otherAfter.Http.GetAsync("/ui/");
        Assert.True(afterRestart.StatusCode == HttpStatusCode.OK, $"the session not signed out answered {(int)afterRestart.StatusCode} {afterRestart.Headers.Location} after the restart");
    }

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
}
