namespace TokenRouter.Cli;

/// <summary>A plain aligned table: columns two spaces apart, numbers right-aligned, no trailing spaces.</summary>
internal sealed class TextTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];
    private readonly HashSet<int> _rightAligned = [];

    /// <summary>Right-aligns the named columns (numbers line up on their last digit).</summary>
    public TextTable AlignRight(params string[] columns)
    {
        foreach (var column in columns)
        {
            _rightAligned.Add(Array.IndexOf(headers, column));
        }

        return this;
    }

    public void Add(params string[] cells) => _rows.Add(cells);

    public void WriteTo(TextWriter writer)
    {
        var widths = headers.Select((h, i) => _rows.Select(r => r[i].Length).Prepend(h.Length).Max()).ToArray();
        foreach (var row in _rows.Prepend(headers))
        {
            var cells = row.Select((cell, i) =>
                _rightAligned.Contains(i) ? cell.PadLeft(widths[i]) : cell.PadRight(widths[i]));
            writer.WriteLine(string.Join("  ", cells).TrimEnd());
        }
    }
}
