using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Silo.Logging;

namespace Orleans.EventPipeline.Tests.Hosting;

/// <summary>Only the warnings and the error that are not failures are left out; their categories' real trouble comes through.</summary>
public sealed class FalseAlarmsTests
{
    private const string Receiver = "Orleans.Streaming.EventHubs.EventHubAdapterReceiver";
    private const string Watchdog = "Orleans.Runtime.Watchdog";
    private static readonly TimeSpan ProcessAge = TimeSpan.FromSeconds(40);

    [Fact]
    public void ReceiverWarning_CancelledRead_IsLeftOut_OtherFailuresAreNot()
    {
        Assert.True(FalseAlarms.IsFalseAlarm(Receiver, LogLevel.Warning, Stall(null), new TaskCanceledException(), ProcessAge));
        Assert.False(FalseAlarms.IsFalseAlarm(Receiver, LogLevel.Warning, Stall(null), new IOException("connection reset"), ProcessAge));
        Assert.False(FalseAlarms.IsFalseAlarm(Receiver, LogLevel.Error, Stall(null), new TaskCanceledException(), ProcessAge));
    }

    [Fact]
    public void WatchdogWarning_StallLongerThanTheProcessHasRun_IsLeftOut_ARealStallIsNot()
    {
        // 00:51:18 is what the race reports: the time since the machine booted.
        Assert.True(FalseAlarms.IsFalseAlarm(Watchdog, LogLevel.Warning, Stall(new TimeSpan(0, 51, 18)), null, ProcessAge));
        Assert.False(FalseAlarms.IsFalseAlarm(Watchdog, LogLevel.Warning, Stall(TimeSpan.FromSeconds(25)), null, ProcessAge));
        Assert.False(FalseAlarms.IsFalseAlarm(Watchdog, LogLevel.Warning, Stall(null), null, ProcessAge));
    }

    [Fact]
    public void HealthCheckError_TheWarmUpNotDoneYet_IsLeftOut_AnyOtherCheckIsNot()
    {
        const string HealthChecks = "Microsoft.Extensions.Diagnostics.HealthChecks.DefaultHealthCheckService";
        List<KeyValuePair<string, object?>> warmup = [new("HealthCheckName", "warm-up"), new("HealthStatus", "Unhealthy")];
        List<KeyValuePair<string, object?>> storage = [new("HealthCheckName", "grain-storage"), new("HealthStatus", "Unhealthy")];

        Assert.True(FalseAlarms.Watches(HealthChecks));
        Assert.True(FalseAlarms.IsFalseAlarm(HealthChecks, LogLevel.Error, warmup, null, ProcessAge));
        Assert.False(FalseAlarms.IsFalseAlarm(HealthChecks, LogLevel.Error, storage, null, ProcessAge));
        // A check that threw is a failure of the check, whichever it is.
        Assert.False(FalseAlarms.IsFalseAlarm(HealthChecks, LogLevel.Error, warmup, new InvalidOperationException("broken"), ProcessAge));
    }

    [Fact]
    public void OtherCategories_AreNeverWatched()
    {
        Assert.False(FalseAlarms.Watches("Orleans.Streams.events"));
        Assert.False(FalseAlarms.IsFalseAlarm("Orleans.Streams.events", LogLevel.Warning, Stall(null), new TaskCanceledException(), ProcessAge));
    }

    // The state Orleans' generated log methods pass: the message's named values.
    private static List<KeyValuePair<string, object?>> Stall(TimeSpan? sinceLastTick) =>
        sinceLastTick is { } value ? [new("TimeSinceLastTick", value)] : [new("EventHubName", "events")];
}
