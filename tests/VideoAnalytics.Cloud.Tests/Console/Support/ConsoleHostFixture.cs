namespace VideoAnalytics.Cloud.Tests.Console.Support;

/// <summary>
/// One console host per test class, with two branches' staff and an admin. Tests that change users make their own.
/// </summary>
public sealed class ConsoleHostFixture : IAsyncLifetime
{
    public const string NorthStaff = "staff-north";
    public const string SouthStaff = "staff-south";
    public const string Admin = "admin";

    internal ConsoleTestHost Host { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Host = await ConsoleTestHost.StartAsync();
        await Host.AddUserAsync(NorthStaff, "staff", "north");
        await Host.AddUserAsync(SouthStaff, "staff", "south");
        await Host.AddUserAsync(Admin, "admin", null);
    }

    public Task DisposeAsync() => Host.DisposeAsync().AsTask();
}
