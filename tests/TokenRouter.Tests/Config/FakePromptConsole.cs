using System.Text;
using TokenRouter.Config;

namespace TokenRouter.Tests.Config;

/// <summary>A scripted terminal: answers queued per kind of read, everything written is kept.</summary>
internal sealed class FakePromptConsole(bool interactive) : IPromptConsole
{
    private readonly StringBuilder _written = new();

    public Queue<string?> Lines { get; } = new();
    public Queue<string?> Secrets { get; } = new();
    public int LineReads { get; private set; }
    public int SecretReads { get; private set; }

    public bool IsInteractive => interactive;

    public string Written => _written.ToString();

    public void Write(string text) => _written.Append(text);

    public string? ReadLine()
    {
        LineReads++;
        return Lines.Count > 0 ? Lines.Dequeue() : throw new InvalidOperationException("Unexpected line read.");
    }

    public string? ReadSecret()
    {
        SecretReads++;
        return Secrets.Count > 0 ? Secrets.Dequeue() : throw new InvalidOperationException("Unexpected secret read.");
    }
}
