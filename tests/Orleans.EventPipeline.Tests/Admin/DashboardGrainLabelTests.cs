using System.Text.RegularExpressions;
using Orleans.EventPipeline.Silo.Admin;

namespace Orleans.EventPipeline.Tests.Admin;

/// <summary>
/// The Orleans Dashboard script the silo serves labels only Orleans' own grains "System Grain". Read from the
/// dashboard package the silo is built with, so an upgrade whose script no longer has the test fails here;
/// the browser test (<see cref="DashboardBrowserTests"/>) sees the labels on the page.
/// </summary>
public sealed partial class DashboardGrainLabelTests
{
    [Fact]
    public void ShippedDashboardScript_SystemGrainTestIsNarrowedToLeaveOurNamespaceOut()
    {
        using var stream = typeof(Orleans.Dashboard.DashboardOptions).Assembly.GetManifestResourceStream(ApplicationGrainLabels.ScriptResource);
        Assert.NotNull(stream);
        var original = new StreamReader(stream).ReadToEnd();

        var patched = ApplicationGrainLabels.Patch(original);

        Assert.NotNull(patched);
        var tests = SystemGrainTest().Count(original);
        Assert.True(tests >= 1, "the dashboard script has no system-grain test");
        Assert.Equal(tests, NarrowedTest().Count(patched));
        // Undoing the narrowing gives the dashboard's script back: nothing else was changed.
        Assert.Equal(original, NarrowedTest().Replace(patched, "${test}"));
    }

    [Fact]
    public void Patch_ScriptWithoutTheTest_IsNull()
    {
        Assert.Null(ApplicationGrainLabels.Patch("function f(e){return e.grainType.startsWith(`Foo.`)}"));
    }

    [GeneratedRegex(@"[\w$]+\.grainType\.startsWith\(`Orleans\.`\)")]
    private static partial Regex SystemGrainTest();

    [GeneratedRegex(@"\((?<test>(?<grain>[\w$]+)\.grainType\.startsWith\(`Orleans\.`\))&&!\k<grain>\.grainType\.startsWith\(`Orleans\.EventPipeline\.`\)\)")]
    private static partial Regex NarrowedTest();
}
