using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.EventPipeline.EventHubsEmulator.Hosting;

// Configuration: appsettings.json, then environment variables (EventHubsEmulator__Port=5673),
// then the command line (--EventHubsEmulator:Port=5673). The Generic Host stops gracefully on SIGTERM and Ctrl+C.
// appsettings.json sits next to the executable; relative paths in it (DataDirectory) still resolve
// against the working directory, so `dotnet run --project ...` from the repository root works.
HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddEventHubsEmulator(builder.Configuration.GetSection(EmulatorOptions.SectionName));

using IHost host = builder.Build();
await host.StartAsync();

// Scripts and the crash tests wait for this exact line on stdout and read the port from it.
EventHubsEmulatorServer server = host.Services.GetRequiredService<EventHubsEmulatorServer>();
await Console.Out.WriteLineAsync($"Emulator ready on port {server.Endpoint.Port}. Connection string: {server.ConnectionString()}");
await Console.Out.FlushAsync();

await host.WaitForShutdownAsync();
