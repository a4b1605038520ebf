namespace Orleans.EventPipeline.Processing.Archive;

/// <summary>
/// Where archive objects live: a flat namespace of '/'-separated names (see <see cref="ArchiveObjectName"/>).
/// Writes are whole-object and atomic: a reader sees the previous object or the new one, never a part.
/// </summary>
public interface IArchiveStore
{
    /// <summary>
    /// Stores <paramref name="content"/> as <paramref name="name"/>, replacing an object of that name, and
    /// returns once it is durable. The store reads <paramref name="content"/> only during the call.
    /// </summary>
    Task WriteAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken);

    /// <summary>Names of the complete objects that start with <paramref name="prefix"/>, in no set order.</summary>
    IAsyncEnumerable<string> ListAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Opens an object for reading; the caller disposes the stream. Null when there is no such object.</summary>
    Task<Stream?> OpenReadAsync(string name, CancellationToken cancellationToken);

    /// <summary>Removes an object; no error when it does not exist.</summary>
    Task DeleteAsync(string name, CancellationToken cancellationToken);
}
