using System.Net;
using System.Text.RegularExpressions;

namespace Orleans.EventPipeline.Testing;

/// <summary>An HTTP client signed in to /ui as a browser is: the sign-in form's anti-forgery token and cookie, then the admin key.</summary>
internal sealed partial class UiSession : IDisposable
{
    private readonly HttpClientHandler _handler;

    private UiSession(Uri silo, CookieContainer cookies)
    {
        _handler = new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false };
        Http = new HttpClient(_handler) { BaseAddress = silo };
    }

    public HttpClient Http { get; }

    /// <summary>The browser's cookies: the sign-in cookie and the anti-forgery one.</summary>
    public CookieContainer Cookies => _handler.CookieContainer;

    /// <summary>Signs in; fails the test when the form does not redirect to /ui/.</summary>
    public static async Task<UiSession> SignInAsync(Uri silo, string adminKey) => await SignInAsync(silo, silo, adminKey);

    /// <summary>
    /// Gets the form from <paramref name="formFrom"/> and posts it to <paramref name="postTo"/>, as a browser behind
    /// a load balancer may; the session then talks to <paramref name="postTo"/>.
    /// </summary>
    public static async Task<UiSession> SignInAsync(Uri formFrom, Uri postTo, string adminKey)
    {
        using var first = new UiSession(formFrom, new CookieContainer());
        var form = await first.Http.GetStringAsync("/ui/signin");
        var session = first.On(postTo);
        using var content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__af"] = TokenOf(form), ["key"] = adminKey, ["returnUrl"] = "/ui/" });
        using var signIn = await session.Http.PostAsync("/ui/signin", content);
        Assert.True(signIn.StatusCode == HttpStatusCode.Redirect, $"Sign-in answered {(int)signIn.StatusCode}: {await signIn.Content.ReadAsStringAsync()}");
        Assert.Equal("/ui/", signIn.Headers.Location?.OriginalString);
        return session;
    }

    /// <summary>The same browser (its cookies) talking to another silo, or to the same one at its new address after a restart.</summary>
    public UiSession On(Uri silo) => new(silo, Cookies);

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
