using Microsoft.Extensions.Logging;
using Orleans.EventPipeline.Silo.Logging;

namespace Orleans.EventPipeline.Tests.Hosting;

/// <summary>Only the two warnings that are not failures are left out; their categories' real trouble comes through.</summary>
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
    public void OtherCategories_AreNeverWatched()
    {
        Assert.False(FalseAlarms.Watches("Orleans.Streams.events"));
        Assert.False(FalseAlarms.IsFalseAlarm("Orleans.Streams.events", LogLevel.Warning, Stall(null), new TaskCanceledException(), ProcessAge));
    }

    // The state Orleans' generated log methods pass: the message's named values.
    private static List<KeyValuePair<string, object?>> Stall(TimeSpan? sinceLastTick) =>
        sinceLastTick is { } value ? [new("TimeSinceLastTick", value)] : [new("EventHubName", "events")];
}
