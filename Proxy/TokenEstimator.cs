using Microsoft.ML.Tokenizers;

namespace TokenRouter.Proxy;

/// <summary>
/// Counts tokens with the o200k encoding (GPT-4o and later) where the provider reports no
/// usage, and for the quota reservation made before a request is forwarded.
/// </summary>
/// <remarks>
/// The vocabulary takes a few hundred milliseconds to load, so it loads in the background
/// at start. Until it is ready, counts fall back to a byte-based estimate (UTF-8 bytes / 3),
/// which errs high for English and never takes start-up hostage.
/// </remarks>
internal sealed class TokenEstimator
{
    private const int BytesPerTokenFallback = 3;
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
            return _tokenizer.Result.CountTokens(text);
        }

        return (System.Text.Encoding.UTF8.GetByteCount(text) + BytesPerTokenFallback - 1) / BytesPerTokenFallback;
    }

    /// <summary>Waits for the vocabulary (tests and warm-up; the request path never waits).</summary>
    public Task WarmUpAsync() => _tokenizer;
}
