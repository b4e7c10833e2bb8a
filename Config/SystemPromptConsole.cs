using System.Text;

namespace TokenRouter.Config;

/// <summary>
/// The process's own terminal. Prompts go to standard error, so standard output carries only
/// what a command produces (and the server's log).
/// </summary>
internal sealed class SystemPromptConsole : IPromptConsole
{
    private const char EndOfTransmission = '\u0004';
    private const char Delete = '\u007f';
    private const char KillLine = '\u0015';

    public bool IsInteractive => !Console.IsInputRedirected;

    public void Write(string text) => Console.Error.Write(text);

    public string? ReadLine() => Console.ReadLine();

    public string? ReadSecret()
    {
        var typed = new StringBuilder();
        try
        {
            while (true)
            {
                // intercept: the key is never echoed; Ctrl+C still ends the process as usual.
                var key = Console.ReadKey(intercept: true);
                switch (key.Key, key.KeyChar)
                {
                    case (ConsoleKey.Enter, _):
                        Console.Error.WriteLine();
                        return typed.ToString();
                    case (ConsoleKey.Backspace, _) or (_, '\b' or Delete):
                        typed.Length = Math.Max(0, typed.Length - 1);
                        break;
                    case (_, KillLine):
                        typed.Clear();
                        break;
                    case (_, EndOfTransmission) when typed.Length == 0:
                        Console.Error.WriteLine();
                        return null;
                    case (_, var c) when !char.IsControl(c):
                        typed.Append(c);
                        break;
                }
            }
        }
        catch (InvalidOperationException)
        {
            // Input is not a console after all (redirected after the check): nothing to read.
            return null;
        }
    }
}
