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
    public void SameErrorInOtherWords_NotANewError_OtherStoreErrorsAre()
    {
        // ENOSPC on each attempt's own temporary file, a held buffer whose count grows: the words change, the error does not.
        var failures = default(RepeatedFailures);
        Assert.True(failures.Failed(new IOException("No space left on device : '/a/x-0001.ndjson.zst.76e8cc4aaaf442b7ad7472431e3ea.tmp'", 28), Start, out _));
        Assert.False(failures.Failed(new IOException("No space left on device : '/a/x-0001.ndjson.zst.0b1c2d3e4f5a6b7c8d9e0f1a2b3c4.tmp'", 28), Start.AddSeconds(1), out _));
        Assert.True(failures.Failed(new IOException("Permission denied : '/a/x-0001.ndjson.zst.76e8cc4aaaf442b7ad7472431e3ea.tmp'", 13), Start.AddSeconds(2), out _));

        var full = new InvalidDataException("SQLite Error 13: 'database or disk is full'.");
        Assert.True(failures.Failed(new InvalidOperationException("holds its next archive object (10 events)", full), Start.AddSeconds(3), out _));
        Assert.False(failures.Failed(new InvalidOperationException("holds its next archive object (20 events)", full), Start.AddSeconds(4), out _));
        // Same types and HResult, another error of the store: a new warning.
        var locked = new InvalidDataException("SQLite Error 5: 'database is locked'.");
        Assert.True(failures.Failed(new InvalidOperationException("holds its next archive object (30 events)", locked), Start.AddSeconds(5), out _));
    }

    [Fact]
    public void Success_EndsALoggedRunWithItsCount()
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
    }

    [Fact]
    public void AStoreThatFlaps_QuietWithinTheMinute_ThenOneWarningCountingTheFailuresBetween()
    {
        var failures = default(RepeatedFailures);
        var busy = new IOException("Server busy");
        Assert.True(failures.Failed(busy, Start, out _));
        Assert.True(failures.Succeeded(out _, out _));
        for (var flap = 1; flap <= 10; flap++)
        {
            Assert.False(failures.Failed(busy, Start.AddSeconds(flap), out _));
            Assert.False(failures.Succeeded(out _, out _));
        }

        Assert.True(failures.Failed(busy, Start + RepeatedFailures.Every, out var unlogged));
        Assert.Equal(10, unlogged);
    }
}
