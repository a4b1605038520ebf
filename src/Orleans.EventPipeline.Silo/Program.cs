using Orleans.EventPipeline.Silo.Hosting;

if (SiloHelp.Requested(args))
{
    await Console.Out.WriteAsync(SiloHelp.Text());
    return 0;
}

WebApplicationBuilder? builder = null;
try
{
    // appsettings.json sits next to the program: started from any other directory (dotnet path/to/the.dll)
    // the default content root, the working directory, would skip it and with it the JSON log format.
    builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
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
catch (Exception exception) when (StartupFailure.DataDirectoryRefused(exception) is { } refused)
{
    // Another silo's directory, or one this user cannot write: a fact about the machine, not a bug to trace.
    await Console.Error.WriteLineAsync("The pipeline did not start: " + refused.Message);
    return StartupFailure.DataDirectoryExitCode;
}
catch (Exception exception) when (StartupFailure.PortInUse(exception))
{
    // Another program (or silo) on one of its ports: which one, and the settings that move it.
    await Console.Error.WriteLineAsync(StartupFailure.DescribePortInUse(exception, builder?.Configuration));
    return StartupFailure.PortInUseExitCode;
}
