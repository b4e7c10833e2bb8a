using System.Text;

namespace TokenRouter.Config;

/// <summary>
/// A dotenv file (<c>KEY=VALUE</c> lines, <c>#</c> comments, optional quotes and <c>export</c>)
/// kept as its original lines, so that setting one key rewrites that line only and every
/// other line, comment and blank stays exactly as the administrator wrote it.
/// </summary>
/// <remarks>
/// Values are taken literally: no <c>$VAR</c> expansion and no multi-line values. In double
/// quotes, <c>\n \r \t \" \\</c> are escapes; single quotes keep everything as written. An
/// unquoted value ends at a <c>#</c> that follows a space. When a key appears twice the last
/// one wins, as it would in a shell.
/// </remarks>
internal sealed class EnvFile
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    // Lines without their '\n'; a CRLF file keeps its '\r' on each line. The text ends with a
    // newline exactly when the last element is empty.
    private readonly List<string> _lines;
    private readonly Dictionary<string, (int Line, string Value, bool Exported)> _entries =
        new(StringComparer.Ordinal);
    private readonly bool _crlf;

    private EnvFile(string path, bool exists, string text)
    {
        FullPath = path;
        Exists = exists;
        _crlf = text.Contains("\r\n", StringComparison.Ordinal);
        _lines = [.. text.Split('\n')];

        var problems = new List<string>();
        for (var i = 0; i < _lines.Count; i++)
        {
            var parsed = EnvLine.Parse(_lines[i].TrimEnd('\r'));
            if (parsed.Problem is not null)
            {
                problems.Add($"{path} line {i + 1}: {parsed.Problem}");
            }
            else if (parsed.Key is not null)
            {
                _entries[parsed.Key] = (i, parsed.Value!, parsed.Exported);
            }
        }

        if (problems.Count > 0)
        {
            throw new SettingsException(problems);
        }
    }

    /// <summary>The file's absolute path.</summary>
    public string FullPath { get; }

    /// <summary>False until the file is first saved when it did not exist at load.</summary>
    public bool Exists { get; private set; }

    public IEnumerable<string> Keys => _entries.Keys;

    /// <summary>Reads the file; a missing file reads as empty and is created by <see cref="Save"/>.</summary>
    /// <exception cref="SettingsException">The file cannot be read, or a line is neither a comment nor KEY=VALUE.</exception>
    public static EnvFile Load(string path)
    {
        var fullPath = Path.GetFullPath(path);
        if (Directory.Exists(fullPath))
        {
            throw new SettingsException($"The env file {fullPath} is a folder; pass the path of a file.");
        }

        try
        {
            return File.Exists(fullPath)
                ? new EnvFile(fullPath, exists: true, File.ReadAllText(fullPath, Utf8NoBom))
                : new EnvFile(fullPath, exists: false, string.Empty);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SettingsException($"Cannot read the env file {fullPath}: {FileErrors.Reason(e)}.");
        }
    }

    /// <summary>The value of <paramref name="key"/>, or null when the file does not set it.</summary>
    public string? Get(string key) => _entries.TryGetValue(key, out var entry) ? entry.Value : null;

    /// <summary>
    /// Sets <paramref name="key"/> in memory: its last line is rewritten in place (keeping an
    /// <c>export</c> prefix), or a new line is appended. <see cref="Save"/> writes the file.
    /// </summary>
    public void Set(string key, string value)
    {
        if (!EnvLine.IsValidKey(key))
        {
            throw new ArgumentException($"'{key}' is not a valid env file key.", nameof(key));
        }

        if (_entries.TryGetValue(key, out var entry))
        {
            var export = entry.Exported ? "export " : "";
            _lines[entry.Line] = WithEnding(export + EnvLine.Format(key, value));
            _entries[key] = entry with { Value = value };
            return;
        }

        var index = AppendLine(EnvLine.Format(key, value));
        _entries[key] = (index, value, false);
    }

    /// <summary>Appends a <c>#</c> comment line (used to label a file TokenRouter creates).</summary>
    public void AddComment(string text) => AppendLine("# " + text);

    /// <summary>
    /// Writes the file. A new file is created readable and writable by its owner only; an
    /// existing one is rewritten in place, so its mode, owner and links stay as they are.
    /// </summary>
    /// <exception cref="SettingsException">The file cannot be written.</exception>
    public void Save()
    {
        var bytes = Utf8NoBom.GetBytes(string.Join('\n', _lines));
        try
        {
            var options = new FileStreamOptions
            {
                Mode = Exists ? FileMode.Truncate : FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
            };
            if (!Exists && !OperatingSystem.IsWindows())
            {
                // Set at creation, so the secret is never readable by others, not even briefly.
                options.UnixCreateMode = FileSecrecy.OwnerOnly;
            }

            using (var stream = new FileStream(FullPath, options))
            {
                stream.Write(bytes);
                stream.Flush(flushToDisk: true);
            }

            if (!Exists && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(FullPath, FileSecrecy.OwnerOnly);
            }

            Exists = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SettingsException($"Cannot write the env file {FullPath}: {FileErrors.Reason(e)}.");
        }
    }

    /// <summary>A one-line warning when the existing file can be read by other users; null otherwise.</summary>
    public string? PermissionWarning() => Exists ? FileSecrecy.CheckPrivate(FullPath, "The env file") : null;

    /// <summary>The file's text as <see cref="Save"/> would write it.</summary>
    public override string ToString() => string.Join('\n', _lines);

    private int AppendLine(string line)
    {
        // Keep the file ending in a newline and put the new line just before that end.
        var last = _lines.Count - 1;
        if (_lines[last].Length > 0)
        {
            _lines[last] = WithEnding(_lines[last].TrimEnd('\r'));
            _lines.Add(string.Empty);
            last++;
        }

        _lines.Insert(last, WithEnding(line));
        return last;
    }

    private string WithEnding(string line) => _crlf ? line + "\r" : line;
}
