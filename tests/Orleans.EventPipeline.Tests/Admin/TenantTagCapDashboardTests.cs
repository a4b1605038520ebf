using System.Net;
using System.Text;
using Orleans.EventPipeline.Tests.Hosting;
using Orleans.EventPipeline.Tests.Support;

namespace Orleans.EventPipeline.Tests.Admin;

/// <summary>
/// A tenant past <c>Pipeline:Telemetry:MaxTenantTags</c> has its measurements summed under <c>_other</c>: the
/// dashboard says so instead of showing zeros, which read as an idle tenant.
/// </summary>
public sealed class TenantTagCapDashboardTests
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task TenantPastTheTagCap_PagesSayItsFiguresAreUnderOther_TheTrackedTenantShowsItsOwn()
    {
        using var data = new TempDirectory();
        // A cap of 1: the first tenant to send keeps its own tag value, the second is summed under _other.
        await using var silo = SiloProcess.Start(data.Path, "--Pipeline:Telemetry:MaxTenantTags=1");
        await silo.WaitForReadyAsync(StartTimeout);
        using var api = new PipelineApi(silo.BaseAddress);
        var first = await api.CreateTenantAsync("tracked");
        var second = await api.CreateTenantAsync("past-cap");
        using var firstPost = await api.PostAsync(first, Encoding.UTF8.GetBytes("{\"a\":1}\n"), "application/x-ndjson");
        using var secondPost = await api.PostAsync(second, Encoding.UTF8.GetBytes("{\"a\":1}\n{\"a\":2}\n"), "application/x-ndjson");
        using var ui = await UiSession.SignInAsync(silo.BaseAddress, SiloProcess.AdminKey);

        var pastCap = await ui.Http.GetStringAsync("/ui/tenants/past-cap");
        var tracked = "";
        // The page reads the cluster's aggregate, which the silo pushes to every 2 s.
        await Poll.UntilAsync(
            () =>
            {
                tracked = ui.Http.GetStringAsync("/ui/tenants/tracked").GetAwaiter().GetResult();
                return tracked.Contains("<b class=\"events\">1</b>", StringComparison.Ordinal);
            },
            TimeSpan.FromSeconds(30),
            () => "the tracked tenant's page to count its 1 event");
        var list = await ui.Http.GetStringAsync("/ui/");

        Assert.Equal(HttpStatusCode.OK, firstPost.StatusCode);
        Assert.Equal(HttpStatusCode.OK, secondPost.StatusCode);
        Assert.Contains("Counted under <code>_other</code>", pastCap, StringComparison.Ordinal);
        Assert.DoesNotContain("<b class=\"events\">0</b>", pastCap, StringComparison.Ordinal);
        Assert.Contains("<b class=\"events\">1</b>", tracked, StringComparison.Ordinal);
        Assert.DoesNotContain("Counted under", tracked, StringComparison.Ordinal);
        var row = list[list.IndexOf("<tr data-tenant=\"past-cap\">", StringComparison.Ordinal)..];
        Assert.Contains("class=\"untracked\">Counted under <code>_other</code>", row[..row.IndexOf("</tr>", StringComparison.Ordinal)], StringComparison.Ordinal);
    }
}
