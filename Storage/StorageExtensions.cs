using TokenRouter.Config;

namespace TokenRouter.Storage;

internal static class StorageExtensions
{
    public static IServiceCollection AddBooks(this IServiceCollection services, RouterSettings settings) => services;
}
