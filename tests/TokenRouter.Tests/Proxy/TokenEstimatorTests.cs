using System.Diagnostics;
using TokenRouter.Proxy;

namespace TokenRouter.Tests.Proxy;

public sealed class TokenEstimatorTests
{
    private static readonly Lazy<Task<TokenEstimator>> Ready = new(async () =>
    {
        var estimator = new TokenEstimator();
        await estimator.WarmUpAsync();
        return estimator;
    });

    [Fact]
    public async Task Count_ShortText_IsTheTokenizersExactCount()
    {
        var estimator = await Ready.Value;
        var text = string.Join(' ', Enumerable.Repeat("The quick brown fox jumps over the lazy dog.", 1_000));

        Assert.Equal(ProxyTestKit.Tokens(text), estimator.Count(text));
    }

    [Fact]
    public async Task Count_UniformLongText_SamplesGiveTheExactCount()
    {
        var estimator = await Ready.Value;

        // 'a' x 8 is one o200k token, in a sample as in the whole.
        Assert.Equal(125_000, estimator.Count(new string('a', 1_000_000)));
    }

    [Fact]
    public async Task Count_MegabytesOfBase64_TakesASmallBoundedTime_AndStaysCloseToTheTruth()
    {
        var estimator = await Ready.Value;
        var blob = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(3 * 1024 * 1024));
        var truthPerChar = (double)ProxyTestKit.Tokens(blob[..32_768]) / 32_768;

        var clock = Stopwatch.StartNew();
        var count = estimator.Count(blob);
        clock.Stop();

        // Counted whole, 4 MB of base64 takes the tokenizer some 40 s on a small machine.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(8), $"counting took {clock.Elapsed}");
        Assert.InRange(count, (long)(truthPerChar * blob.Length * 0.95), (long)(truthPerChar * blob.Length * 1.05));
    }
}
