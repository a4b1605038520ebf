namespace Orleans.EventPipeline.Client;

/// <summary>
/// Where a source is, stored with the batch that holds the events read up to there, so a restart resumes
/// from the last spooled batch: what was spooled is not read again, what was not is read again.
/// </summary>
/// <param name="Source">Names the source, e.g. <c>file:/var/log/app.log</c>.</param>
/// <param name="Position">Its position, opaque to the client (a file offset, a cursor); empty forgets the source (a file read to its end and gone).</param>
public readonly record struct SourceCheckpoint(string Source, string Position);
