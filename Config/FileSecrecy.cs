namespace TokenRouter.Config;

/// <summary>Files that hold secrets (the env file, the database) should be readable by their owner only.</summary>
internal static class FileSecrecy
{
    public const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode Exposed =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.OtherRead | UnixFileMode.OtherWrite;

    /// <summary>Creates <paramref name="path"/> as an empty owner-only file unless it exists already.</summary>
    public static void CreateOwnerOnly(string path)
    {
        if (File.Exists(path))
        {
            return;
        }

        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly;
        }

        try
        {
            using var created = new FileStream(path, options);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Created by someone else in the meantime: theirs to keep as it is.
        }
    }

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
