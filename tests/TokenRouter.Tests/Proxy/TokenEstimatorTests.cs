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

    [Fact]
    public async Task CountPrompt_IsTheSumOfItsStrings_AndAResentHistoryIsTokenizedOnce()
    {
        var estimator = new TokenEstimator();
        await estimator.WarmUpAsync();
        var system = string.Join(' ', Enumerable.Repeat("You are a careful assistant for the billing team.", 100));
        var history = string.Join(' ', Enumerable.Repeat("Earlier, the user asked about quotas and periods.", 60));
        string[] firstTurn = [system, "hello", history];
        string[] secondTurn = [system, "hello", history, "and now a follow-up question"];

        var first = estimator.CountPrompt(firstTurn);
        var second = estimator.CountPrompt(secondTurn);

        Assert.Equal(estimator.Count(system) + estimator.Count(history) + estimator.Count("hello "), first);
        Assert.Equal(
            estimator.Count(system) + estimator.Count(history) + estimator.Count("hello and now a follow-up question "),
            second);
        Assert.Equal(2, estimator.RememberedCount); // the two long strings, counted on the first turn only
    }

    [Fact]
    public async Task CountPrompt_StringsOfEqualLength_KeepTheirOwnCounts()
    {
        var estimator = await Ready.Value;
        var letters = new string('a', 4_000);
        var digits = string.Concat(Enumerable.Repeat("7 ", 2_000));

        Assert.Equal(estimator.Count(letters), estimator.CountPrompt([letters]));
        Assert.Equal(estimator.Count(digits), estimator.CountPrompt([digits]));
        Assert.NotEqual(estimator.CountPrompt([letters]), estimator.CountPrompt([digits]));
    }

    [Fact]
    public async Task CountPrompt_PastItsTokenizerBudget_CountsTheRestByTheirBytes()
    {
        var estimator = new TokenEstimator();
        await estimator.WarmUpAsync();

        // Five different 60,000-character strings: two fit the 128K budget, three are estimated.
        var parts = Enumerable.Range(0, 5)
            .Select(i => string.Concat(Enumerable.Repeat($"word{i} ", 10_000))[..60_000])
            .ToArray();

        var count = estimator.CountPrompt(parts);

        var expected = estimator.Count(parts[0]) + estimator.Count(parts[1]) + (3 * 60_000);
        Assert.Equal(expected, count);
        Assert.Equal(2, estimator.RememberedCount);
    }
}
