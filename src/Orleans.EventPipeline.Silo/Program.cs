using Orleans.EventPipeline.Silo.Hosting;

try
{
    // appsettings.json sits next to the program: started from any other directory (dotnet path/to/the.dll)
    // the default content root, the working directory, would skip it and with it the JSON log format.
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
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
