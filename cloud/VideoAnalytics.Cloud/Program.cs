using VideoAnalytics.Cloud.Alerts;
using VideoAnalytics.Cloud.Console;
using VideoAnalytics.Cloud.Hosting;
using VideoAnalytics.Cloud.Hosting.Security;
using VideoAnalytics.Cloud.Ingest;
using VideoAnalytics.Cloud.Judging;
using VideoAnalytics.Cloud.Models;

// va-cloud: one Orleans silo host: ingest → grains → judging → alerts, the security console and, when Cloud:Models is
// configured, the model registry. Configured by appsettings.json, the environment (Cloud__Postgres__ConnectionString)
// or the command line (--Cloud:Cluster:SiloPort=11112). AddCloud comes first: the others use its silo and database.
var builder = WebApplication.CreateBuilder(args);
builder.AddCloud();
builder.Services.AddIngest(builder.Configuration);
builder.Services.AddJudging(builder.Configuration);
builder.Services.AddAlerts(builder.Configuration);
builder.Services.AddConsole(builder.Configuration);
var modelRegistry = builder.Configuration.GetSection(ModelRegistryOptions.Section).Exists();
if (modelRegistry) builder.Services.AddModelRegistry(builder.Configuration);

var app = builder.Build();
await app.Services.MigrateSchemaAsync();
app.UseHttpLimits();
app.MapCloudApi();
app.MapConsole();
if (modelRegistry) app.MapModelRegistry();
else app.Logger.LogInformation("Model registry is off: configure {Section} (PublicBaseUrl, TrustedKeys) to push models to edges", ModelRegistryOptions.Section);
await app.RunAsync();
