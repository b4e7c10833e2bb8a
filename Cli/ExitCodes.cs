namespace TokenRouter.Cli;

/// <summary>Exit codes: 2 for anything the user must fix in how TokenRouter is started or configured.</summary>
internal static class ExitCodes
{
    public const int Success = 0;

    /// <summary>The command ran and failed: the server is unreachable, a port is taken, the API said no.</summary>
    public const int Failure = 1;

    /// <summary>Bad command line or settings: a wrong option, a malformed value, a missing provider key.</summary>
    public const int Usage = 2;
}
