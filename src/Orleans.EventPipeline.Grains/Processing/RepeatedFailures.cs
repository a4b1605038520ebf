namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// Which of a processor's repeated write failures are worth a warning with its exception. A store that refuses writes
/// fails every tick (<c>FlushCheckInterval</c>) and every due batch of every processor it serves: a thousand tenants
/// would log a thousand stack traces a second through an outage. The first failure of a run is logged, then one whose
/// error differs from the last one logged, then the same again once <see cref="Every"/> has passed; the end of the run
/// is logged once, with how many attempts failed. Errors are told apart by their exception types, outer to inner, and
/// the innermost one's HResult (errno for I/O), not by message: messages carry what changes from one attempt to the
/// next (a temporary file's random name, the count of events held), which would make every failure a new error.
/// </summary>
internal struct RepeatedFailures
{
    /// <summary>How long the same error goes without another warning.</summary>
    public static readonly TimeSpan Every = TimeSpan.FromMinutes(1);

    private DateTimeOffset? _since;
    private DateTimeOffset _loggedAt;
    private string? _loggedError;
    private int _failed;
    private int _unlogged;

    /// <summary>Counts a failure; true when it is to be logged, with <paramref name="unlogged"/> the failures since the last one logged.</summary>
    public bool Failed(Exception exception, DateTimeOffset now, out int unlogged)
    {
        ArgumentNullException.ThrowIfNull(exception);
        _since ??= now;
        _failed++;
        var error = ErrorOf(exception);
        if (_failed > 1 && string.Equals(error, _loggedError, StringComparison.Ordinal) && now - _loggedAt < Every)
        {
            _unlogged++;
            unlogged = 0;
            return false;
        }

        unlogged = _unlogged;
        _unlogged = 0;
        _loggedAt = now;
        _loggedError = error;
        return true;
    }

    /// <summary>Ends a run of failures: true, with how many attempts failed and since when, when there was one.</summary>
    public bool Succeeded(out int failed, out DateTimeOffset since)
    {
        failed = _failed;
        since = _since ?? default;
        if (_since is null)
        {
            return false;
        }

        this = default;
        return true;
    }

    /// <summary>The exception's types from outer to inner and the innermost one's HResult.</summary>
    private static string ErrorOf(Exception exception)
    {
        var error = new System.Text.StringBuilder();
        var inner = exception;
        for (var current = exception; current is not null; current = current.InnerException)
        {
            error.Append(current.GetType().FullName).Append('>');
            inner = current;
        }

        return error.Append(inner.HResult).ToString();
    }
}
