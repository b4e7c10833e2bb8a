using TokenRouter.Config;

namespace TokenRouter.Storage;

internal static class StorageExtensions
{
    /// <summary>The SQLite books as <see cref="IBooks"/>, and log retention when it is on.</summary>
    public static IServiceCollection AddBooks(this IServiceCollection services, RouterSettings settings)
    {
        services.AddSingleton<IBooks>(provider => new SqliteBooks(
            new SqliteBooksOptions(settings.DatabasePath),
            provider.GetService<TimeProvider>() ?? TimeProvider.System,
            provider.GetRequiredService<ILogger<SqliteBooks>>()));

        if (settings.LogRetentionDays > 0)
        {
            services.AddHostedService(provider => new LogRetentionService(
                provider.GetRequiredService<IBooks>(),
                TimeSpan.FromDays(settings.LogRetentionDays),
                provider.GetService<TimeProvider>() ?? TimeProvider.System,
                provider.GetRequiredService<ILogger<LogRetentionService>>()));
        }

        return services;
    }
}
