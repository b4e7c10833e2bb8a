namespace TokenRouter.Config;

/// <summary>
/// One or more settings are missing or malformed. Each problem is a single line that names
/// the setting and says what it expects; the command line prints them and exits with 2.
/// </summary>
internal sealed class SettingsException : Exception
{
    public SettingsException(string problem)
        : this([problem])
    {
    }

    public SettingsException(IReadOnlyList<string> problems)
        : base(string.Join(Environment.NewLine, problems))
    {
        Problems = problems;
    }

    public IReadOnlyList<string> Problems { get; }
}
