namespace TokenRouter.Config;

/// <summary>One setting's text and where it came from, so that an error can point at the right place.</summary>
internal readonly record struct SettingValue(string Text, string Origin);

/// <summary>A command-line option that sets a setting, e.g. <c>--port</c> for <c>PORT</c>.</summary>
internal sealed record SettingOverride(string Key, string Option, string Value);

/// <summary>
/// Where settings are read from, weakest first: the env file, then the process environment,
/// then command-line options. A blank value in the file or the environment counts as unset,
/// so an empty <c>PORT=</c> line or variable never hides a value from a weaker source.
/// </summary>
internal sealed class SettingsSource(
    EnvFile envFile,
    Func<string, string?> environment,
    IReadOnlyList<SettingOverride>? overrides = null)
{
    public EnvFile EnvFile { get; } = envFile;

    /// <summary>Reads the env file and layers the environment and the options over it.</summary>
    /// <exception cref="SettingsException">The env file cannot be read or has a malformed line.</exception>
    public static SettingsSource Open(
        string envFilePath, Func<string, string?> environment, IReadOnlyList<SettingOverride>? overrides = null) =>
        new(EnvFile.Load(envFilePath), environment, overrides);

    /// <summary>The winning value for <paramref name="key"/>, or null when no source sets it.</summary>
    public SettingValue? Get(string key)
    {
        var option = overrides?.LastOrDefault(o => o.Key == key);
        if (option is not null)
        {
            return new SettingValue(option.Value, option.Option);
        }

        var variable = environment(key)?.Trim();
        if (!string.IsNullOrEmpty(variable))
        {
            return new SettingValue(variable, $"{key} (from the environment)");
        }

        var line = EnvFile.Get(key);
        return string.IsNullOrWhiteSpace(line) ? null : new SettingValue(line, $"{key} in {EnvFile.FullPath}");
    }
}
