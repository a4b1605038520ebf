namespace Orleans.EventPipeline.Admin;

/// <summary>
/// One <c>/ui</c> sign-in, keyed by the random session id its cookie carries. The cookie is a signed principal that every
/// gateway checks on its own, so deleting it in the browser that signs out ends nothing for a copy of it (a stolen
/// cookie, another tab's). Sign-out ends the session here, and every gateway asks here before it takes the cookie.
/// </summary>
public interface IAdminSessionGrain : IGrainWithStringKey
{
    /// <summary>Ends the session for every gateway; its cookie is refused from then on.</summary>
    Task EndAsync();

    /// <summary>Whether the session was signed out.</summary>
    [Concurrency.ReadOnly]
    Task<bool> IsEndedAsync();
}
