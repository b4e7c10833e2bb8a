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
    private readonly Task<Tokenizer> _tokenizer = Task.Run(() => (Tokenizer)TiktokenTokenizer.CreateForEncoding("o200k_base"));

    public bool IsReady => _tokenizer.IsCompletedSuccessfully;

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

        return System.Text.Encoding.UTF8.GetByteCount(text);
    }

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
