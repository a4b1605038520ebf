using Microsoft.Extensions.Configuration;

namespace Orleans.EventPipeline.Samples.Detection;

/// <summary>
/// The failed-login rule, from the silo's configuration section <c>Detection:FailedLogins</c> (not under
/// <c>Pipeline</c>, whose keys the silo checks strictly).
/// </summary>
public sealed record FailedLoginOptions
{
    public const string SectionName = "Detection:FailedLogins";

    /// <summary>Failures of one user that raise an alert, 5: a few typos pass, a guessing run does not.</summary>
    public int Threshold { get; init; } = 5;

    /// <summary>Event-time window the failures must fall in, 60 s.</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Attribute holding the user, <c>user.name</c> (ECS); a JSON <c>{"user":{"name":…}}</c> flattens to it.</summary>
    public string UserField { get; init; } = "user.name";

    /// <summary>Attribute naming the action, <c>event.action</c>; it must equal <see cref="LoginAction"/>.</summary>
    public string ActionField { get; init; } = "event.action";

    public string LoginAction { get; init; } = "login";

    /// <summary>Attribute holding the result, <c>event.outcome</c>; it must equal <see cref="FailureOutcome"/>.</summary>
    public string OutcomeField { get; init; } = "event.outcome";

    public string FailureOutcome { get; init; } = "failure";

    /// <summary>Users tracked per stream key, 10,000; past it the least recently seen is forgotten, bounding memory.</summary>
    public int MaxTrackedUsers { get; init; } = 10_000;

    /// <summary>Reads the section; missing keys keep their defaults.</summary>
    /// <exception cref="InvalidOperationException">A value is out of range; the message says which and how to fix it.</exception>
    public static FailedLoginOptions From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        var section = configuration.GetSection(SectionName);
        var defaults = new FailedLoginOptions();
        var options = defaults with
        {
            Threshold = section[nameof(Threshold)] is { } threshold ? int.Parse(threshold, System.Globalization.CultureInfo.InvariantCulture) : defaults.Threshold,
            Window = section[nameof(Window)] is { } window ? TimeSpan.Parse(window, System.Globalization.CultureInfo.InvariantCulture) : defaults.Window,
            UserField = section[nameof(UserField)] ?? defaults.UserField,
            ActionField = section[nameof(ActionField)] ?? defaults.ActionField,
            LoginAction = section[nameof(LoginAction)] ?? defaults.LoginAction,
            OutcomeField = section[nameof(OutcomeField)] ?? defaults.OutcomeField,
            FailureOutcome = section[nameof(FailureOutcome)] ?? defaults.FailureOutcome,
        };

        if (options.Threshold < 1 || options.Window <= TimeSpan.Zero || options.Window > TimeSpan.FromDays(1))
        {
            throw new InvalidOperationException($"{SectionName}: Threshold {options.Threshold} must be at least 1 and Window {options.Window} between 0 and 1 day (defaults 5 and 00:01:00).");
        }

        return options;
    }
}
