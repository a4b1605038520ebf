using System.Globalization;
using System.Text;

namespace Orleans.EventPipeline.Ingest;

/// <summary>
/// The key of an Idempotency-Key's grain, <c>"{tenant}/{key}"</c>, in a form every grain store keeps apart. Orleans'
/// Azure Table storage keeps a grain's state under its id with '/', '\', '#' and '?' each made '_', so the keys
/// "host1/batch-7", "host1_batch-7" and "host1#batch-7" of one tenant shared one record: the second was answered
/// with the first's batch and stored nothing, the third was refused as a key used with another body. A key holding
/// any of those four characters has each written as '§' and its two hex digits. An Idempotency-Key is printable
/// ASCII, which '§' is not, so no key takes another's escaped form, and a key without them keeps the grain (and the
/// record) it had before. Only a table store needs it: SQLite keeps every grain id apart, so there a key keeps its
/// grain whatever it holds (<see cref="Parse"/> reads both forms).
/// </summary>
public static class IdempotencyGrainKey
{
    private const char Escape = '§';
    private const string Escaped = "/\\#?";

    /// <summary>
    /// The grain key of <paramref name="idempotencyKey"/> of <paramref name="tenantId"/>: escaped for a store that keeps
    /// state under Azure Table keys (<paramref name="forTableStorage"/>), else <c>"{tenant}/{key}"</c> as sent.
    /// </summary>
    public static string For(string tenantId, string idempotencyKey, bool forTableStorage = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(tenantId);
        ArgumentException.ThrowIfNullOrEmpty(idempotencyKey);
        if (idempotencyKey.Contains(Escape, StringComparison.Ordinal))
        {
            throw new ArgumentException($"An Idempotency-Key is printable ASCII; '{Escape}' marks an escaped character.", nameof(idempotencyKey));
        }

        if (!forTableStorage || idempotencyKey.AsSpan().IndexOfAny(Escaped) < 0)
        {
            return $"{tenantId}/{idempotencyKey}";
        }

        var key = new StringBuilder(tenantId.Length + 1 + (idempotencyKey.Length * 3));
        key.Append(tenantId).Append('/');
        foreach (var c in idempotencyKey)
        {
            if (Escaped.Contains(c, StringComparison.Ordinal))
            {
                key.Append(Escape).Append(((int)c).ToString("X2", CultureInfo.InvariantCulture));
            }
            else
            {
                key.Append(c);
            }
        }

        return key.ToString();
    }

    /// <summary>The tenant and the Idempotency-Key a grain key of <see cref="For"/> names.</summary>
    public static (string TenantId, string IdempotencyKey) Parse(string grainKey)
    {
        ArgumentNullException.ThrowIfNull(grainKey);
        var slash = grainKey.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            throw new FormatException($"'{grainKey}' is not a tenant and an Idempotency-Key.");
        }

        var tenantId = grainKey[..slash];
        var escaped = grainKey.AsSpan(slash + 1);
        if (!escaped.Contains(Escape))
        {
            return (tenantId, escaped.ToString());
        }

        var key = new StringBuilder(escaped.Length);
        for (var i = 0; i < escaped.Length; i++)
        {
            if (escaped[i] != Escape)
            {
                key.Append(escaped[i]);
            }
            else if (i + 2 < escaped.Length
                && int.TryParse(escaped.Slice(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
            {
                key.Append((char)code);
                i += 2;
            }
            else
            {
                throw new FormatException($"'{grainKey}' holds a '{Escape}' that is not followed by two hex digits.");
            }
        }

        return (tenantId, key.ToString());
    }
}
