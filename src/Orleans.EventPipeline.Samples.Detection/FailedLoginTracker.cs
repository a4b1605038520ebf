using Orleans.EventPipeline.Events;

namespace Orleans.EventPipeline.Samples.Detection;

/// <summary>
/// Failed logins per user over a sliding event-time window; no Orleans in here, so it is tested alone.
/// Not thread-safe: one per grain activation.
/// </summary>
public sealed class FailedLoginTracker(FailedLoginOptions options)
{
    public const string Rule = "failed-logins";

    private readonly Dictionary<string, Queue<NormalizedEvent>> _users = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _lastSeen = new(StringComparer.Ordinal);

    /// <summary>Users currently tracked.</summary>
    public int TrackedUsers => _users.Count;

    /// <summary>Feeds events in stream order and appends an alert for each user who reaches the threshold.</summary>
    public void Observe(string streamKey, IReadOnlyList<NormalizedEvent> events, List<Alert> alerts)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(alerts);
        foreach (var e in events)
        {
            if (!IsFailedLogin(e, out var user))
            {
                continue;
            }

            if (!_users.TryGetValue(user, out var failures))
            {
                ForgetLeastRecentIfFull();
                failures = new Queue<NormalizedEvent>(options.Threshold);
                _users[user] = failures;
            }

            _lastSeen[user] = e.EffectiveTime;
            failures.Enqueue(e);
            while (failures.Count > 0 && e.EffectiveTime - failures.Peek().EffectiveTime > options.Window)
            {
                failures.Dequeue();
            }

            if (failures.Count >= options.Threshold)
            {
                var contributing = failures.ToArray();
                alerts.Add(new Alert(
                    e.TenantId,
                    streamKey,
                    Rule,
                    user,
                    contributing[0].EffectiveTime,
                    e.EffectiveTime,
                    contributing.Select(static c => c.EventId).ToArray(),
                    $"{contributing.Length} failed logins for user '{user}' within {options.Window.TotalSeconds:0} s"));
                // A new run of failures is needed for the next alert: one alert per burst, not per failure.
                failures.Clear();
            }
        }
    }

    private bool IsFailedLogin(NormalizedEvent e, out string user)
    {
        user = "";
        if (!e.Attributes.TryGetValue(options.ActionField, out var action) || action.ToString() != options.LoginAction
            || !e.Attributes.TryGetValue(options.OutcomeField, out var outcome) || outcome.ToString() != options.FailureOutcome
            || !e.Attributes.TryGetValue(options.UserField, out var name))
        {
            return false;
        }

        user = name.ToString();
        return user.Length > 0;
    }

    private void ForgetLeastRecentIfFull()
    {
        if (_users.Count < options.MaxTrackedUsers)
        {
            return;
        }

        var oldest = _lastSeen.MinBy(static pair => pair.Value).Key;
        _users.Remove(oldest);
        _lastSeen.Remove(oldest);
    }
}
