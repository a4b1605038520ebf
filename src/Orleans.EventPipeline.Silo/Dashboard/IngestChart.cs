using System.Globalization;
using System.Text;

namespace Orleans.EventPipeline.Silo.Dashboard;

/// <summary>
/// Ingest over the last hour as inline SVG, drawn by the server: a polyline of events per minute (the 10 s
/// buckets summed six at a time), scaled to the busiest minute, with that peak as the axis label.
/// </summary>
internal static class IngestChart
{
    private const int BucketsPerPoint = 6;

    public static string Render(long[] series, int width, int height, bool axis)
    {
        ArgumentNullException.ThrowIfNull(series);
        var points = series.Length / BucketsPerPoint;
        var perMinute = new long[points];
        for (var i = 0; i < points * BucketsPerPoint; i++)
        {
            perMinute[i / BucketsPerPoint] += series[i];
        }

        var peak = Math.Max(1, perMinute.Max());
        var top = axis ? 14 : 2;
        var plot = height - top - 2;
        var line = new StringBuilder(points * 12);
        for (var i = 0; i < points; i++)
        {
            var x = points == 1 ? 0 : i * (width - 1.0) / (points - 1);
            var y = top + plot - (perMinute[i] * (double)plot / peak);
            line.Append(CultureInfo.InvariantCulture, $"{x:0.#},{y:0.#} ");
        }

        var label = axis
            ? $"<text x=\"2\" y=\"11\" class=\"axis\">peak {Html.N(perMinute.Max())} events/min · last 60 min</text>"
            : "";
        return $"<svg class=\"chart\" role=\"img\" aria-label=\"events per minute over the last hour, peak {perMinute.Max()}\" viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\">{label}<line x1=\"0\" y1=\"{height - 1}\" x2=\"{width}\" y2=\"{height - 1}\" class=\"base\"/><polyline points=\"{line.ToString().TrimEnd()}\" class=\"ingest\"/></svg>";
    }
}
