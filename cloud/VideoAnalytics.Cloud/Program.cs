using VideoAnalytics.Cloud.Hosting;
using VideoAnalytics.Cloud.Ingest;

// va-cloud: one Orleans silo host: ingest, grains, judges, alerts and the cluster API. Configured by appsettings, the
// environment (Cloud__Postgres__ConnectionString) or the command line (--Cloud:Cluster:SiloPort=11112).
var builder = WebApplication.CreateBuilder(args);
builder.AddCloud();
builder.Services.AddIngest(builder.Configuration);
// Hook points for the other parts of the host, after AddCloud so they find its IAlertFeed and IAlertService:
//   builder.Services.AddConsole(builder.Configuration);        web console, HTTP API, users
//   builder.Services.AddModelRegistry(builder.Configuration);  model registry and rollouts

var app = builder.Build();
await app.Services.MigrateSchemaAsync();
app.MapCloudApi();
//   app.MapConsole();
//   app.MapModelRegistry();
await app.RunAsync();
