using System.Diagnostics;

namespace TokenRouter.Tests.Reliability;

/// <summary>
/// Takes the database's storage away and gives it back. Where the file system and the test's
/// rights allow, the database file and its WAL are made immutable (<c>chattr +i</c>): the
/// kernel then refuses every write with EPERM, as it would on a disk remounted read-only, and
/// even root cannot write. Elsewhere the database's directory is moved away, so the file is
/// gone from its path, as on an unmounted volume.
/// </summary>
/// <remarks>
/// The shared-memory file (-shm) is left alone on purpose: SQLite maps it into memory, and a
/// write fault on an immutable mapping would kill the process rather than fail a write.
/// </remarks>
internal sealed class DiskOutage : IDisposable
{
    private readonly string[] _immutable;
    private readonly string? _directory;
    private bool _ended;

    private DiskOutage(string how, string[] immutable, string? directory)
    {
        How = how;
        _immutable = immutable;
        _directory = directory;
    }

    /// <summary>How the storage was taken away, for the test's output.</summary>
    public string How { get; }

    public static DiskOutage Begin(string databasePath)
    {
        string[] files = [databasePath, databasePath + "-wal"];
        if (Chattr("+i", files) && !Writable(databasePath + "-wal"))
        {
            return new DiskOutage("chattr +i on the database and its WAL", files, null);
        }

        Chattr("-i", files);
        var directory = Path.GetDirectoryName(databasePath)!;
        Directory.Move(directory, directory + ".away");
        return new DiskOutage("the database directory moved away", [], directory);
    }

    /// <summary>Gives the storage back.</summary>
    public void End()
    {
        if (_ended)
        {
            return;
        }

        _ended = true;
        if (_directory is not null)
        {
            Directory.Move(_directory + ".away", _directory);
        }
        else
        {
            Assert.True(Chattr("-i", _immutable), "chattr -i failed; the files stay immutable.");
        }
    }

    public void Dispose() => End();

    private static bool Chattr(string flag, string[] files)
    {
        try
        {
            var start = new ProcessStartInfo("chattr") { RedirectStandardError = true, RedirectStandardOutput = true };
            start.ArgumentList.Add(flag);
            foreach (var file in files)
            {
                start.ArgumentList.Add(file);
            }

            using var process = Process.Start(start)!;
            process.WaitForExit(TimeSpan.FromSeconds(30));
            return process.HasExited && process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No chattr on this machine.
            return false;
        }
    }

    private static bool Writable(string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite);
            return true;
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            return false;
        }
    }
}
