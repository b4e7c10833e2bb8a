using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json.Nodes;

namespace TokenRouter.Tests.Infrastructure;

/// <summary>
/// Runs the end-to-end scripts in <c>tests/js</c> (the official <c>openai</c> npm package, and
/// <c>puppeteer-core</c> for the panel in Firefox) with <c>node</c>. The scripts' dependencies come from <c>npm ci --prefix tests/js</c>, which
/// <c>.ci/run</c> does before the tests; without them a run fails and says so.
/// </summary>
public static class NodeScript
{
    public const string ChatStream = "chat-stream.mjs";
    public const string ResponsesStream = "responses-stream.mjs";
    public const string PanelFirefox = "panel-firefox.mjs";

    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(90);

    // What tests/js/package.json lists: a node_modules from before a package was added fails here, saying so.
    private static readonly string[] Dependencies = ["openai", "puppeteer-core"];

    /// <summary>The <c>tests/js</c> folder of the repository the tests were built from.</summary>
    public static string ScriptsDirectory { get; } = FindScriptsDirectory();

    /// <summary>
    /// Runs <paramref name="scriptFile"/> (a file in <c>tests/js</c>) with the given environment
    /// (e.g. BASE_URL, TOKEN) and returns its exit code and output. Throws when node or the npm
    /// dependencies are missing, or when the script outlives <paramref name="timeout"/>.
    /// </summary>
    public static async Task<NodeResult> RunAsync(
        string scriptFile, IReadOnlyDictionary<string, string> environment, TimeSpan? timeout = null)
    {
        var script = Path.Combine(ScriptsDirectory, scriptFile);
        if (!File.Exists(script))
        {
            throw new FileNotFoundException($"No script {scriptFile} in {ScriptsDirectory}.", script);
        }

        var missing = Dependencies.FirstOrDefault(
            name => !File.Exists(Path.Combine(ScriptsDirectory, "node_modules", name, "package.json")));
        if (missing is not null)
        {
            throw new InvalidOperationException(
                "The npm dependencies of the JS end-to-end tests are not installed " +
                $"({ScriptsDirectory}/node_modules/{missing} is missing). " +
                "Run `npm ci --prefix tests/js` from the repository root first; .ci/run does.");
        }

        var start = new ProcessStartInfo("node", [script])
        {
            WorkingDirectory = ScriptsDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };

        // The scripts take their settings from these variables only; an OPENAI_* variable of the
        // machine must not change where they connect.
        var inherited = start.Environment.Keys.Where(k => k.StartsWith("OPENAI_", StringComparison.Ordinal));
        foreach (var name in inherited.ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = StartNode(start);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(timeout ?? DefaultTimeout);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException(
                $"node {scriptFile} did not finish within {(timeout ?? DefaultTimeout).TotalSeconds} s. " +
                $"stderr: {await stderr}");
        }

        return new NodeResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs a script against a TokenRouter (or any OpenAI-compatible server) at its root URL.</summary>
    public static Task<NodeResult> RunAsync(
        string scriptFile,
        string baseUrl,
        string token,
        IReadOnlyDictionary<string, string>? extra = null,
        TimeSpan? timeout = null)
    {
        var environment = new Dictionary<string, string>(extra ?? new Dictionary<string, string>())
        {
            ["BASE_URL"] = baseUrl,
            ["TOKEN"] = token,
        };
        return RunAsync(scriptFile, environment, timeout);
    }

    private static Process StartNode(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                "`node` is not on PATH; the JS end-to-end tests need Node.js 20 or later.", e);
        }
    }

    private static string FindScriptsDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "js");
            if (File.Exists(Path.Combine(candidate, "package.json")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"No tests/js/package.json above {AppContext.BaseDirectory}.");
    }
}

/// <summary>How a node script ended. The scripts print one JSON line: see <see cref="Json"/>.</summary>
public sealed record NodeResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The last line of stdout parsed as JSON.</summary>
    public JsonNode Json
    {
        get
        {
            var lines = Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            return (lines.Length == 0 ? null : JsonNode.Parse(lines[^1]))
                ?? throw new InvalidOperationException($"The script printed no JSON. {this}");
        }
    }

    public override string ToString() => $"exit {ExitCode}\nstdout: {Stdout}\nstderr: {Stderr}";
}
