using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VideoAnalytics.Cloud.Console;

namespace VideoAnalytics.Cloud.Tests.Console;

/// <summary>A bad console setting or a missing host service stops start-up with a one-line error naming it.</summary>
public sealed class ConsoleChecksItsSetupTests
{
    [Theory]
    [InlineData("SessionMinutes", "0")]
    [InlineData("MaxFailedSignIns", "1000")]
    [InlineData("DeviceStaleSeconds", "1")]
    public void OutOfRangeSettingsAreRefusedByName(string key, string value)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [$"Console:{key}"] = value }).Build();
        using var services = new ServiceCollection().AddLogging().AddConsole(config).BuildServiceProvider();

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<ConsoleOptions>>().Value);

        Assert.Contains($"Console:{key} must be", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DefaultsAreValidAndSecure()
    {
        var config = new ConfigurationBuilder().Build();
        using var services = new ServiceCollection().AddLogging().AddConsole(config).BuildServiceProvider();

        var options = services.GetRequiredService<IOptions<ConsoleOptions>>().Value;

        Assert.True(options.SecureCookie);
        Assert.InRange(options.SessionMinutes, 1, 24 * 60);
    }

    [Fact]
    public void MappingTheConsoleWithoutAClipStoreNamesWhatIsMissing()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Services.AddConsole(builder.Configuration);
        using var app = builder.Build();

        var error = Assert.Throws<InvalidOperationException>(() => app.MapConsole());

        Assert.Contains("MapConsole needs", error.Message, StringComparison.Ordinal);
    }
}
