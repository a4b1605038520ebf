namespace Orleans.EventPipeline.EventHubsEmulator.Log.Storage;

/// <summary>Opens (creating when missing) the segment files of a partition log.</summary>
public interface ISegmentFileFactory
{
    ISegmentFile Open(string path);
}
