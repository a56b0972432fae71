using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace VideoAnalytics.Cloud.Judging;

public static class JudgingServiceCollectionExtensions
{
    /// <summary>
    /// The judge of this silo (section <c>Cloud:Judge</c>): the VLM when <c>Vlm:Endpoint</c> is set, otherwise the
    /// embedded judge, behind the <see cref="JudgeRunner"/> that bounds its concurrency. Reads keyframes from the
    /// <see cref="Storage.IClipStore"/> the host registers.
    /// </summary>
    public static IServiceCollection AddJudging(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<JudgeOptions>().Bind(config.GetSection(JudgeOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddHttpClient(VlmJudge.HttpClientName).ConfigureHttpClient(c => c.Timeout = Timeout.InfiniteTimeSpan);
        var vlm = config.GetSection(JudgeOptions.Section).Get<JudgeOptions>()?.Vlm;
        if (vlm?.IsConfigured == true) services.AddSingleton<IJudge, VlmJudge>();
        else services.AddSingleton<IJudge, EmbeddedJudge>();
        services.AddSingleton<KeyframeReader>();
        services.AddSingleton<JudgeRunner>();
        return services;
    }
}
