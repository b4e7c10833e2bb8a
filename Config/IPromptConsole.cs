namespace TokenRouter.Config;

/// <summary>The terminal the first run talks to; a seam so the prompts can be tested without one.</summary>
internal interface IPromptConsole
{
    /// <summary>True when a person can answer: standard input is a terminal, not a pipe or a file.</summary>
    bool IsInteractive { get; }

    void Write(string text);

    /// <summary>A line as typed, echoed; null when input has ended.</summary>
    string? ReadLine();

    /// <summary>A line typed without echo; null when the person gave up (Ctrl+D on an empty line) or input ended.</summary>
    string? ReadSecret();
}
