using System.Text.Json;
using System.Text.Json.Serialization;
using VideoAnalytics.Cloud.Console.Alerts;
using VideoAnalytics.Cloud.Console.Devices;
using VideoAnalytics.Cloud.Console.Http;
using VideoAnalytics.Cloud.Console.Users;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Cloud.Console;

/// <summary>Source-generated JSON of the console's API (camelCase, like the contracts).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    NumberHandling = JsonNumberHandling.Strict,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow)]
[JsonSerializable(typeof(ProblemReply))]
[JsonSerializable(typeof(SignInRequest))]
[JsonSerializable(typeof(UserView))]
[JsonSerializable(typeof(ScopeView))]
[JsonSerializable(typeof(Alert))]
[JsonSerializable(typeof(List<Alert>))]
[JsonSerializable(typeof(AlertDetail))]
[JsonSerializable(typeof(AlertActionRequest))]
[JsonSerializable(typeof(List<DeviceView>))]
internal sealed partial class ConsoleJsonContext : JsonSerializerContext;
