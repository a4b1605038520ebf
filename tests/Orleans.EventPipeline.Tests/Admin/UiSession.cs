using System.Net;
using System.Text.RegularExpressions;
using Orleans.EventPipeline.Tests.Hosting;

namespace Orleans.EventPipeline.Tests.Admin;

/// <summary>An HTTP client signed in to /ui as a browser is: the sign-in form's anti-forgery token and cookie, then the admin key.</summary>
internal sealed partial class UiSession : IDisposable
{
    private readonly HttpClientHandler _handler = new() { CookieContainer = new CookieContainer(), AllowAutoRedirect = false };

    private UiSession(Uri silo) => Http = new HttpClient(_handler) { BaseAddress = silo };

    public HttpClient Http { get; }

    /// <summary>Signs in; fails the test when the form does not redirect to /ui/.</summary>
    public static async Task<UiSession> SignInAsync(Uri silo)
    {
        var session = new UiSession(silo);
        var form = await session.Http.GetStringAsync("/ui/signin");
        using var content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__af"] = TokenOf(form), ["key"] = SiloProcess.AdminKey, ["returnUrl"] = "/ui/" });
        using var signIn = await session.Http.PostAsync("/ui/signin", content);
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Equal("/ui/", signIn.Headers.Location?.OriginalString);
        return session;
    }

    /// <summary>The anti-forgery token of the first form on <paramref name="page"/>.</summary>
    public static string TokenOf(string page) => Antiforgery().Match(page).Groups["token"].Value;

    public void Dispose()
    {
        Http.Dispose();
        _handler.Dispose();
    }

    [GeneratedRegex("name=\"__af\" value=\"(?<token>[^\"]+)\"")]
    private static partial Regex Antiforgery();
}
