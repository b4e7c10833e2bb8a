namespace TokenRouter.Config;

/// <summary>
/// The first start without a provider key: ask for it on a terminal and save it to the env
/// file, or, with nobody to ask, stop at once with a line saying where the key belongs.
/// </summary>
internal static class FirstRun
{
    private const int Attempts = 3;

    /// <summary>Makes sure <paramref name="source"/> has a provider key, asking for one when it can.</summary>
    /// <returns>True when a key was entered and saved to the env file.</returns>
    /// <exception cref="SettingsException">No key, and none could be (or was) entered.</exception>
    public static bool EnsureProviderKey(SettingsSource source, IPromptConsole console)
    {
        if (source.Get(SettingKeys.ProviderApiKey) is not null)
        {
            return false;
        }

        var envFile = source.EnvFile;
        if (!console.IsInteractive)
        {
            throw new SettingsException(SettingsLoader.MissingProviderKey(envFile.FullPath));
        }

        console.Write($"TokenRouter needs your provider's API key; it will be saved to {envFile.FullPath}.\n");
        var key = AskKey(console);
        var baseUrl = AskBaseUrl(console, source);

        var created = !envFile.Exists;
        if (created)
        {
            envFile.AddComment("TokenRouter settings; tokenrouter.env.example describes every key.");
        }

        envFile.Set(SettingKeys.ProviderApiKey, key);
        envFile.Set(SettingKeys.ProviderBaseUrl, baseUrl.ToString().TrimEnd('/'));
        envFile.Save();

        var access = created ? " (readable by you only)" : "";
        console.Write(
            $"Saved {SettingKeys.ProviderApiKey} and {SettingKeys.ProviderBaseUrl} to {envFile.FullPath}{access}.\n");
        return true;
    }

    private static string AskKey(IPromptConsole console)
    {
        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            console.Write("Provider API key (input hidden): ");
            var key = console.ReadSecret()?.Trim();
            if (key is null)
            {
                break;
            }

            if (SettingReader.SecretProblem(key) is not { } problem)
            {
                return key;
            }

            console.Write($"The key {problem}.\n");
        }

        throw new SettingsException(
            $"No provider API key was entered; {SettingKeys.ProviderApiKey} is required to start.");
    }

    private static Uri AskBaseUrl(IPromptConsole console, SettingsSource source)
    {
        var current = source.Get(SettingKeys.ProviderBaseUrl) is { } configured
            ? SettingReader.ParseHttpUrl(configured.Text, asBase: true)
            : null;
        var fallback = (current ?? RouterSettings.DefaultProviderBaseUrl).ToString().TrimEnd('/');

        for (var attempt = 1; attempt <= Attempts; attempt++)
        {
            console.Write($"Provider base URL [{UrlCredentials.Hide(fallback)}]: ");
            var answer = console.ReadLine()?.Trim();
            if (answer is null)
            {
                break;
            }

            if (SettingReader.ParseHttpUrl(answer.Length == 0 ? fallback : answer, asBase: true) is { } url)
            {
                return url;
            }

            console.Write($"The base URL must be {SettingReader.BaseUrlExpectation}.\n");
        }

        throw new SettingsException($"No valid {SettingKeys.ProviderBaseUrl} was entered; " +
            $"it must be {SettingReader.BaseUrlExpectation}.");
    }
}
