using System.Text.RegularExpressions;

namespace Orleans.EventPipeline.Grains.Processing;

/// <summary>
/// Which of a processor's repeated write failures are worth a warning with its exception. A store that refuses writes
/// fails every tick (<c>FlushCheckInterval</c>) and every due batch of every processor it serves: a thousand tenants
/// would log a thousand stack traces a second through an outage. A failure is logged when its error differs from the
/// last one logged, or when <see cref="Every"/> has passed since; a run of failures that had a warning ends with one
/// line, with how many attempts failed. A store that flaps within the minute stays quiet until the next warning, which
/// counts the failures between.
/// </summary>
internal partial struct RepeatedFailures
{
    /// <summary>How long the same error goes without another warning.</summary>
    public static readonly TimeSpan Every = TimeSpan.FromMinutes(1);

    private DateTimeOffset? _since;
    private DateTimeOffset _loggedAt;
    private string? _loggedError;
    private bool _runLogged;
    private int _failed;
    private int _unlogged;

    /// <summary>Counts a failure; true when it is to be logged, with <paramref name="unlogged"/> the failures since the last one logged.</summary>
    public bool Failed(Exception exception, DateTimeOffset now, out int unlogged)
    {
        ArgumentNullException.ThrowIfNull(exception);
        _since ??= now;
        _failed++;
        var error = ErrorOf(exception);
        if (string.Equals(error, _loggedError, StringComparison.Ordinal) && now - _loggedAt < Every)
        {
            _unlogged++;
            unlogged = 0;
            return false;
        }

        unlogged = _unlogged;
        _unlogged = 0;
        _loggedAt = now;
        _loggedError = error;
        _runLogged = true;
        return true;
    }

    /// <summary>Ends a run of failures: true, with how many attempts failed and since when, when the run had a warning.</summary>
    public bool Succeeded(out int failed, out DateTimeOffset since)
    {
        failed = _failed;
        since = _since ?? default;
        var logged = _runLogged;
        _since = null;
        _failed = 0;
        _runLogged = false;
        return logged;
    }

    /// <summary>
    /// What tells errors apart: the exception types from outer to inner, the innermost one's HResult (errno for I/O) and
    /// the first line of its message with numbers and hexadecimal runs masked. Messages carry what changes from one
    /// attempt to the next (a temporary file's random name, the count of events held), which would make every failure
    /// new; the first line still tells one store error from another where the type and HResult do not (SQLite's and
    /// Azure's exceptions share theirs across errors).
    /// </summary>
    private static string ErrorOf(Exception exception)
    {
        var error = new System.Text.StringBuilder();
        var inner = exception;
        for (var current = exception; current is not null; current = current.InnerException)
        {
            error.Append(current.GetType().FullName).Append('>');
            inner = current;
        }

        var message = inner.Message;
        var lineEnd = message.IndexOfAny(['\r', '\n']);
        var firstLine = lineEnd < 0 ? message : message[..lineEnd];
        return error.Append(inner.HResult).Append(':').Append(Numbers().Replace(Hexadecimal().Replace(firstLine, "*"), "#")).ToString();
    }

    [GeneratedRegex("[0-9A-Fa-f]{8,}")]
    private static partial Regex Hexadecimal();

    [GeneratedRegex("[0-9]+")]
    private static partial Regex Numbers();
}
