namespace TokenRouter.Config;

/// <summary>
/// Why a file could not be read or written, in TokenRouter's own words. The native build keeps
/// only the resource keys of the runtime's messages (UseSystemResourceKeys), so an exception's
/// Message there reads like "UnauthorizedAccess_IODenied_Path, /etc/tokenrouter.env".
/// </summary>
internal static class FileErrors
{
    // On Linux and macOS an IOException the runtime has no type for carries the raw errno.
    private const int NoSpaceLeft = 28;
    private const int ReadOnlyFileSystem = 30;

    public static string Reason(Exception error) => error switch
    {
        UnauthorizedAccessException => "permission denied for this user",
        DirectoryNotFoundException => "its folder does not exist",
        FileNotFoundException => "the file does not exist",
        PathTooLongException => "the path is too long",
        IOException { HResult: NoSpaceLeft } => "the disk is full",
        IOException { HResult: ReadOnlyFileSystem } => "the file system is read-only",
        _ => $"the system refused ({error.GetType().Name}, code {error.HResult})",
    };
}
