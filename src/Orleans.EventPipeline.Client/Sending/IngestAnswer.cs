using System.Text.Json;

namespace Orleans.EventPipeline.Client.Sending;

/// <summary>The gateway's 200 body: <c>{"accepted":n,"rejected":[{"index":i,"reason":"..."}],"replayed":b,...}</c>.</summary>
internal sealed record IngestAnswer(int Accepted, IReadOnlyList<(int Index, string Reason)> Rejected, bool Replayed)
{
    /// <summary>The answer, or null when <paramref name="json"/> is not a JSON object with the gateway's members.</summary>
    public static IngestAnswer? TryParse(byte[] json)
    {
        try
        {
            return Parse(json);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException or KeyNotFoundException)
        {
            return null;
        }
    }

    private static IngestAnswer? Parse(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("accepted", out _))
        {
            return null;
        }

        var rejected = new List<(int, string)>();
        if (root.TryGetProperty("rejected", out var list) && list.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in list.EnumerateArray())
            {
                rejected.Add((item.GetProperty("index").GetInt32(), item.TryGetProperty("reason", out var reason) ? reason.GetString() ?? "" : ""));
            }
        }

        return new IngestAnswer(
            root.TryGetProperty("accepted", out var accepted) ? accepted.GetInt32() : 0,
            rejected,
            root.TryGetProperty("replayed", out var replayed) && replayed.ValueKind == JsonValueKind.True);
    }
}
