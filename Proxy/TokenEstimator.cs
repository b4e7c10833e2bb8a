using System.Collections.Concurrent;
using System.IO.Hashing;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace TokenRouter.Proxy;

/// <summary>
/// Counts tokens with the o200k encoding (GPT-4o and later) where the provider reports no
/// usage, and for the quota reservation made before a request is forwarded.
/// </summary>
/// <remarks>
/// The vocabulary takes a few hundred milliseconds to load, so it loads in the background
/// at start. Until it is ready, counts fall back to the UTF-8 byte count: every o200k token
/// covers at least one byte, so the fallback never counts fewer tokens than the tokenizer
/// would, and a reservation made in those first moments cannot let a burst past the quota.
/// NOTE: bytes / 3 was tried and errs low on short texts, which let 64 parallel requests sent
/// right after start overshoot the quota.
/// Text longer than <see cref="ExactChars"/> is counted from evenly spaced samples: the
/// tokenizer needs about ten seconds per megabyte of text it has no cache for (base64 audio
/// in a chat message, one long word), which a body within the size limit must not cost.
/// </remarks>
internal sealed class TokenEstimator
{
    private const int ExactChars = 64 * 1024;
    private const int Samples = 8;
    private const int SampleChars = ExactChars / Samples;

    /// <summary>Strings this long are remembered by their hash; shorter ones cost less to count than to look up.</summary>
    private const int RememberedChars = 1024;

    /// <summary>Bounds the memory of remembered counts (about a megabyte); past it, they start over.</summary>
    private const int MaxRemembered = 16 * 1024;

    /// <summary>Tokenizer work one prompt may cause; strings past it are counted by their bytes.</summary>
    private const int PromptBudgetChars = 2 * ExactChars;

    private readonly Task<Tokenizer> _tokenizer = Task.Run(() => (Tokenizer)TiktokenTokenizer.CreateForEncoding("o200k_base"));

    // A conversation resends its whole history on every turn, and agents resend the same long
    // system prompt and tool outputs: their counts are kept by a seeded 64-bit hash of the text,
    // so each long string is tokenized once, not once per turn. The per-process random seed
    // keeps anyone from crafting a string whose count is taken for another's.
    private readonly ConcurrentDictionary<(ulong Hash, int Length), long> _remembered = new();
    private readonly long _seed = BitConverter.ToInt64(RandomNumberGenerator.GetBytes(sizeof(long)));
    private int _rememberedAdds;

    public bool IsReady => _tokenizer.IsCompletedSuccessfully;

    /// <summary>How many long strings have their count remembered (tests).</summary>
    internal int RememberedCount => _remembered.Count;

    public long Count(ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return 0;
        }

        if (_tokenizer.IsCompletedSuccessfully)
        {
            return text.Length <= ExactChars ? _tokenizer.Result.CountTokens(text) : CountBySamples(_tokenizer.Result, text);
        }

        return Fallback(text);
    }

    /// <summary>
    /// Counts the strings of a prompt: short ones together, long ones one by one through the
    /// remembered counts. At most <see cref="PromptBudgetChars"/> of long text not seen before
    /// is tokenized per prompt; the rest is counted by its bytes, which is never too few.
    /// </summary>
    public long CountPrompt(IReadOnlyList<string> parts)
    {
        var shortText = new StringBuilder();
        var budget = PromptBudgetChars;
        long total = 0;
        foreach (var part in parts)
        {
            if (part.Length < RememberedChars || !_tokenizer.IsCompletedSuccessfully)
            {
                shortText.Append(part).Append(' ');
                continue;
            }

            var key = (XxHash3.HashToUInt64(MemoryMarshal.AsBytes(part.AsSpan()), _seed), part.Length);
            if (_remembered.TryGetValue(key, out var remembered))
            {
                total += remembered;
                continue;
            }

            var work = Math.Min(part.Length, ExactChars); // what Count tokenizes: all of it, or its samples
            if (work > budget)
            {
                total += Fallback(part);
                continue;
            }

            budget -= work;
            var counted = Count(part);
            Remember(key, counted);
            total += counted;
        }

        return total + Count(shortText.ToString());
    }

    private void Remember((ulong Hash, int Length) key, long count)
    {
        if (Interlocked.Increment(ref _rememberedAdds) > MaxRemembered)
        {
            Interlocked.Exchange(ref _rememberedAdds, 0);
            _remembered.Clear();
        }

        _remembered[key] = count;
    }

    private static long Fallback(ReadOnlySpan<char> text) => Encoding.UTF8.GetByteCount(text);

    private static long CountBySamples(Tokenizer tokenizer, ReadOnlySpan<char> text)
    {
        long counted = 0;
        var stride = text.Length / Samples;
        for (var i = 0; i < Samples; i++)
        {
            counted += tokenizer.CountTokens(text.Slice(i * stride, SampleChars));
        }

        return (long)Math.Ceiling((double)counted * text.Length / ExactChars);
    }

    /// <summary>Waits for the vocabulary (tests and warm-up; the request path never waits).</summary>
    public Task WarmUpAsync() => _tokenizer;
}
