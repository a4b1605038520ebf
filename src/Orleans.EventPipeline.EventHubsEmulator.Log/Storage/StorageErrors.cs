namespace Orleans.EventPipeline.EventHubsEmulator.Log.Storage;

/// <summary>Recognizes the I/O errors that mean "no space left", which heal once space is freed.</summary>
internal static class StorageErrors
{
    // .NET puts the errno in HResult on Unix and the Win32 error as an HRESULT on Windows.
    private const int NoSpaceErrno = 28;                                  // ENOSPC
    private const int QuotaExceededErrno = 122;                           // EDQUOT (Linux)
    private const int DiskFullHResult = unchecked((int)0x80070070);       // ERROR_DISK_FULL
    private const int HandleDiskFullHResult = unchecked((int)0x80070027); // ERROR_HANDLE_DISK_FULL

    public static bool IsOutOfSpace(Exception exception) =>
        exception is IOException { HResult: NoSpaceErrno or QuotaExceededErrno or DiskFullHResult or HandleDiskFullHResult };
}
