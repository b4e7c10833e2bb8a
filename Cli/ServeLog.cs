namespace TokenRouter.Cli;

/// <summary>Start-up warnings about settings that work but put the gateway at risk.</summary>
internal static partial class ServeLog
{
    [LoggerMessage(EventId = 901, Level = LogLevel.Warning,
        Message = "ADMIN_PASSWORD is not set, so the admin API and panel accept the well-known default password; " +
            "set ADMIN_PASSWORD in {EnvFile} and restart")]
    public static partial void DefaultAdminPassword(ILogger logger, string envFile);

    [LoggerMessage(EventId = 902, Level = LogLevel.Warning,
        Message = "ALLOWED_MODELS is empty, so every model request is refused; list the provider's models in {EnvFile}")]
    public static partial void NoAllowedModels(ILogger logger, string envFile);

    [LoggerMessage(EventId = 903, Level = LogLevel.Warning, Message = "{Warning}")]
    public static partial void FileReadableByOthers(ILogger logger, string warning);
}
