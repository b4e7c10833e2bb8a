using TokenRouter.Config;
using TokenRouter.Storage;

namespace TokenRouter.Quota;

internal static class QuotaExtensions
{
    public static IServiceCollection AddQuota(this IServiceCollection services, RouterSettings settings)
    {
        services.AddSingleton<TeamDirectory>();
        services.AddSingleton<QuotaGate>();
        services.AddSingleton<QuotaAlerts>();
        services.AddHostedService(provider => provider.GetRequiredService<QuotaAlerts>());
        services.AddHostedService<PeriodResetService>();
        return services;
    }

    /// <summary>Migrates the database and loads every team into the directory, and what was announced of them.</summary>
    public static async Task OpenBooksAsync(this IServiceProvider services, CancellationToken cancellationToken)
    {
        var books = services.GetRequiredService<IBooks>();
        await books.MigrateAsync(cancellationToken);
        services.GetRequiredService<TeamDirectory>().Load(await books.ListTeamsAsync(cancellationToken));
        services.GetRequiredService<QuotaAlerts>().Load(await books.ListAlertMarksAsync(cancellationToken));
    }
}
