using Microsoft.AspNetCore.Authentication;

namespace Orleans.EventPipeline.Silo.Admin.Authentication;

/// <summary>Settings of one admin-key scheme: which credential forms it reads and how it asks for one.</summary>
public sealed class AdminKeyAuthenticationOptions : AuthenticationSchemeOptions
{
    /// <summary>
    /// Also read HTTP Basic with the admin key as the password (any user name), and challenge with Basic so a
    /// browser asks for it: for the Orleans Dashboard, whose pages a browser opens without a way to add a header.
    /// </summary>
    public bool AcceptBasic { get; set; }

    /// <summary>Where a wrong key was sent, as <see cref="AdminAuthFailures"/> counts it: <c>api</c> or <c>dashboard</c>.</summary>
    public string Surface { get; set; } = "api";

    /// <summary>The 401's detail: what to send.</summary>
    public string ChallengeDetail { get; set; } = "Send 'Authorization: Bearer <Pipeline:AdminApiKey>'.";
}
