namespace TokenRouter.Config;

/// <summary>Files that hold secrets (the env file, the database) should be readable by their owner only.</summary>
internal static class FileSecrecy
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode Exposed =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    /// <summary>
    /// A one-line warning when <paramref name="path"/> exists and other users may read or
    /// change it; null when it is private, missing, or the platform has no Unix modes.
    /// </summary>
    public static string? CheckPrivate(string path, string description)
    {
        if (OperatingSystem.IsWindows() || !File.Exists(path))
        {
            return null;
        }

        var mode = File.GetUnixFileMode(path);
        if ((mode & Exposed) == 0)
        {
            return null;
        }

        var octal = Convert.ToString((int)mode & 0x1FF, 8);
        return $"{description} {path} can be read by other users (mode {octal}) and holds secrets; " +
            $"run: chmod 600 {path}";
    }
}
