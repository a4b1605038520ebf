using Orleans.EventPipeline.Grains.Processing;

namespace Orleans.EventPipeline.Tests.Processing;

public sealed class RepeatedFailuresTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 3, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void SameErrorEveryTick_LoggedOnceAMinute_WithTheUnloggedCount()
    {
        var failures = default(RepeatedFailures);
        var full = new IOException("No space left on device");

        Assert.True(failures.Failed(full, Start, out var unlogged));
        Assert.Equal(0, unlogged);
        for (var tick = 1; tick < 60; tick++)
        {
            Assert.False(failures.Failed(full, Start.AddSeconds(tick), out _));
        }

        Assert.True(failures.Failed(full, Start + RepeatedFailures.Every, out unlogged));
        Assert.Equal(59, unlogged);
    }

    [Fact]
    public void ADifferentError_LoggedAtOnce()
    {
        var failures = default(RepeatedFailures);
        Assert.True(failures.Failed(new IOException("No space left on device"), Start, out _));
        Assert.False(failures.Failed(new IOException("No space left on device"), Start.AddSeconds(1), out _));

        Assert.True(failures.Failed(new InvalidOperationException("holds its next archive object"), Start.AddSeconds(2), out var unlogged));
        Assert.Equal(1, unlogged);
    }

    [Fact]
    public void SameErrorInOtherWords_NotANewError()
    {
        // ENOSPC on each attempt's own temporary file, and a held buffer whose count grows: the message changes, the error does not.
        var failures = default(RepeatedFailures);
        Assert.True(failures.Failed(new IOException("No space left on device : 'a.1.tmp'", 28), Start, out _));
        Assert.False(failures.Failed(new IOException("No space left on device : 'a.2.tmp'", 28), Start.AddSeconds(1), out _));
        Assert.True(failures.Failed(new IOException("Permission denied : 'a.3.tmp'", 13), Start.AddSeconds(2), out _));

        var refused = new IOException("database or disk is full", 13);
        Assert.True(failures.Failed(new InvalidOperationException("holds its next archive object (10 events)", refused), Start.AddSeconds(3), out _));
        Assert.False(failures.Failed(new InvalidOperationException("holds its next archive object (20 events)", refused), Start.AddSeconds(4), out _));
    }

    [Fact]
    public void Success_EndsTheRunWithItsCount_AndTheNextFailureIsLoggedAgain()
    {
        var failures = default(RepeatedFailures);
        Assert.False(failures.Succeeded(out _, out _));

        var full = new IOException("No space left on device");
        failures.Failed(full, Start, out _);
        failures.Failed(full, Start.AddSeconds(1), out _);
        failures.Failed(full, Start.AddSeconds(2), out _);

        Assert.True(failures.Succeeded(out var failed, out var since));
        Assert.Equal(3, failed);
        Assert.Equal(Start, since);
        Assert.False(failures.Succeeded(out _, out _));
        Assert.True(failures.Failed(full, Start.AddSeconds(3), out var unlogged));
        Assert.Equal(0, unlogged);
    }
}
