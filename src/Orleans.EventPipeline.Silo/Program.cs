using Orleans.EventPipeline.Silo.Hosting;

try
{
    var builder = WebApplication.CreateBuilder(args);
    builder.AddPipelineSilo();

    var app = builder.Build();
    app.MapPipeline();
    await app.RunAsync();
    return 0;
}
catch (Exception exception) when (StartupFailure.IsConfigurationError(exception))
{
    // A wrong setting is the operator's to fix: say which and how, without a stack trace.
    await Console.Error.WriteLineAsync(StartupFailure.Describe(exception));
    return StartupFailure.ConfigurationExitCode;
}
