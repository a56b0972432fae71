using VideoAnalytics.Cloud.Hosting;

// va-cloud: one Orleans silo host (grains, judges, alerts, cluster API). Configuration: appsettings, VA_-free standard
// .NET sources (environment "Cloud__Postgres__ConnectionString", command line "--Cloud:Cluster:SiloPort=11112").
var builder = WebApplication.CreateBuilder(args);
builder.AddCloud();
// Hook points for the other parts of the host:
//   builder.Services.AddIngest(builder.Configuration);   MQTT bridge → inbox → clips → IClipDispatcher (branch transport)
//   builder.Services.AddConsole(builder.Configuration);  web console, HTTP API, users (branch console)

var app = builder.Build();
await app.Services.MigrateSchemaAsync();
app.MapCloudApi();
//   app.MapConsole();
await app.RunAsync();
