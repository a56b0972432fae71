using System.Text.RegularExpressions;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using VideoAnalytics.Cloud.Console.Devices;
using VideoAnalytics.Cloud.Tests.Console.Support;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Testing;

namespace VideoAnalytics.EndToEnd.Tests.Console;

/// <summary>
/// A security operator's session in headless Chromium against the real console host and PostgreSQL: sign in, see a
/// new alert arrive live, play its keyframes with boxes and track ids, dismiss it (audited), and a staff user of
/// another branch is refused the same alert.
/// </summary>
public sealed class ConsoleInBrowserTests(ConsoleHostFixture fixture) : IClassFixture<ConsoleHostFixture>, IAsyncLifetime
{
    private const float TimeoutMs = 20_000;
    private readonly ConsoleTestHost host = fixture.Host;
    private IPlaywright playwright = null!;
    private IBrowser browser = null!;

    public async Task InitializeAsync()
    {
        // The browser is Debian's Chromium; Playwright must never fetch one of its own.
        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        playwright = await Playwright.CreateAsync();
        browser = await playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        await browser.DisposeAsync();
        playwright.Dispose();
    }

    [Fact]
    public async Task OperatorSeesALiveAlertPlaysItsKeyframesAndDismissesIt()
    {
        var jpegs = await TestKeyframes.GetAsync();
        var clip = await host.AddClipAsync("north", "north-01", "atm-hall", jpegs, frame =>
        [
            new BoxAnnotation(7, "person", 0.91f, 0.20f + frame * 0.02f, 0.25f, 0.18f, 0.55f),
            new BoxAnnotation(12, "person", 0.84f, 0.62f, 0.30f, 0.15f, 0.50f),
        ]);
        await using var context = await browser.NewContextAsync(new() { BaseURL = host.BaseAddress.ToString(), ViewportSize = new() { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(TimeoutMs);

        await SignInAsync(page, ConsoleHostFixture.NorthStaff);
        await Assertions.Expect(page.Locator("#live")).ToHaveClassAsync(new Regex("live-on"), new() { Timeout = TimeoutMs });

        // Raised after the page is open: it must appear without a reload.
        var alert = await host.AddAlertAsync("north", "north-01", "atm-hall", clip.ClipId, AlertSeverity.Critical, verified: true,
            summary: "Fight at the ATM hall");
        var row = page.Locator($"tr[data-alert-id='{alert.AlertId}']");
        await Assertions.Expect(row).ToBeVisibleAsync(new() { Timeout = TimeoutMs });
        await Assertions.Expect(row).ToContainTextAsync("critical");
        await Assertions.Expect(row).ToContainTextAsync("verified");
        await Assertions.Expect(row).ToContainTextAsync("atm-hall");
        await page.ScreenshotAsync(new() { Path = ScreenshotPath("alerts"), FullPage = true });

        await row.ClickAsync();
        await ArrivedAtAsync(page, $"**/console/alerts/{alert.AlertId}");
        var counter = page.Locator("#frame-counter");
        await Assertions.Expect(counter).ToHaveTextAsync($"Frame 1 / {jpegs.Count}", new() { Timeout = TimeoutMs });
        await Assertions.Expect(page.Locator("#track-list")).ToContainTextAsync("#7 person");
        await Assertions.Expect(page.Locator("#track-list")).ToContainTextAsync("#12 person");
        await Assertions.Expect(page.Locator("#evidence")).ToContainTextAsync("Two people exchange punches");
        await Assertions.Expect(page.Locator("#evidence")).ToContainTextAsync("embedded-cpu (test)");
        Assert.True(await BoxEdgeHasTrackColourAsync(page, 7, 0.20f, 0.25f + 0.55f / 2), "track 7's box is not drawn on the canvas");

        // Playing runs through every keyframe and stops on the last; track 7's box has moved with it.
        await page.ClickAsync("#play");
        await Assertions.Expect(page.Locator("#play")).ToHaveTextAsync("Pause");
        await Assertions.Expect(counter).ToHaveTextAsync($"Frame {jpegs.Count} / {jpegs.Count}", new() { Timeout = TimeoutMs });
        await Assertions.Expect(page.Locator("#play")).ToHaveTextAsync("Play");
        Assert.True(await BoxEdgeHasTrackColourAsync(page, 7, 0.20f + (jpegs.Count - 1) * 0.02f, 0.25f + 0.55f / 2),
            "track 7's box did not follow it to the last keyframe");

        await page.ScreenshotAsync(new() { Path = ScreenshotPath("alert"), FullPage = true });

        await page.FillAsync("#note", "Two friends play-fighting; checked with the branch guard.");
        await page.ClickAsync("#dismiss");
        await Assertions.Expect(page.Locator("#action-message")).ToHaveTextAsync("Alert dismissed.");
        await Assertions.Expect(page.Locator("#alert-badges")).ToContainTextAsync("dismissed");
        await Assertions.Expect(page.Locator("#audit")).ToContainTextAsync($"{ConsoleHostFixture.NorthStaff} dismissed");
        await using (var cmd = host.DataSource.CreateCommand(
            "SELECT actor, from_state, to_state, note FROM alert_audit WHERE alert_id = @id AND action = 'dismissed'"))
        {
            cmd.Parameters.AddWithValue("id", alert.AlertId);
            await using var reader = await cmd.ExecuteReaderAsync();
            Assert.True(await reader.ReadAsync(), "no audit row for the dismissal");
            Assert.Equal(ConsoleHostFixture.NorthStaff, reader.GetString(0));
            Assert.Equal("new", reader.GetString(1));
            Assert.Equal("dismissed", reader.GetString(2));
            Assert.Equal("Two friends play-fighting; checked with the branch guard.", reader.GetString(3));
        }

        // The device page: this branch's devices with camera fps, spool and model versions; none of another branch.
        var devices = host.Services.GetRequiredService<DeviceStatusStore>();
        await devices.UpsertAsync(Status("north", "north-01", "jetson-a"), DateTimeOffset.UtcNow, CancellationToken.None);
        await devices.UpsertAsync(Status("south", "south-07", "jetson-b"), DateTimeOffset.UtcNow, CancellationToken.None);
        await page.ClickAsync("nav >> text=Devices");
        var device = page.Locator("tr[data-device='jetson-a']");
        await Assertions.Expect(device).ToContainTextAsync("online");
        await Assertions.Expect(device).ToContainTextAsync("4.9 fps");
        await Assertions.Expect(device).ToContainTextAsync("fight@12");
        Assert.Equal(0, await page.Locator("tr[data-device='jetson-b']").CountAsync());
        await page.ScreenshotAsync(new() { Path = ScreenshotPath("devices"), FullPage = true });

        // Another branch's staff: the page and the API both refuse, and the list does not show it.
        await using var otherContext = await browser.NewContextAsync(new() { BaseURL = host.BaseAddress.ToString() });
        var other = await otherContext.NewPageAsync();
        other.SetDefaultTimeout(TimeoutMs);
        await SignInAsync(other, ConsoleHostFixture.SouthStaff, "/console/devices");
        await Assertions.Expect(other.Locator("tr[data-device='jetson-b']")).ToBeVisibleAsync();
        await other.ClickAsync("nav >> text=Alerts");
        await Assertions.Expect(other.Locator("#live")).ToHaveClassAsync(new Regex("live-on"), new() { Timeout = TimeoutMs });
        Assert.Equal(0, await other.Locator($"tr[data-alert-id='{alert.AlertId}']").CountAsync());
        var refusedPage = await other.GotoAsync($"/console/alerts/{alert.AlertId}");
        Assert.Equal(404, refusedPage!.Status);
        var refusedApi = await otherContext.APIRequest.GetAsync($"/api/alerts/{alert.AlertId}");
        Assert.Equal(404, refusedApi.Status);
        var refusedFile = await otherContext.APIRequest.GetAsync($"/api/clips/{clip.ClipId}/files/{clip.Files[0].Name}");
        Assert.Equal(404, refusedFile.Status);
    }

    /// <summary>Screenshots go to the temp folder for a person to look at; they are never committed.</summary>
    private static string ScreenshotPath(string name) => Path.Combine(Path.GetTempPath(), $"va-console-{name}.png");

    private static DeviceStatus Status(string branch, string site, string device) => new()
    {
        Branch = branch, Site = site, Device = device, TimeUtc = DateTimeOffset.UtcNow, State = DeviceState.Online, AgentVersion = "1.4.0",
        Cameras = [new CameraHealth("atm-hall", "ok", 4.9, 1200, 0, DateTimeOffset.UtcNow, null), new CameraHealth("lobby", "ok", 5.0, 1180, 2, DateTimeOffset.UtcNow, null)],
        Spool = new SpoolHealth(3_145_728, 4, 0, 0),
        ModelVersions = new Dictionary<string, string> { ["detector"] = "yolox-nano@3", ["heads"] = "fight@12" },
    };

    /// <summary>Opens <paramref name="path"/>, is sent to the sign-in page, signs in and is brought back to it.</summary>
    private static async Task SignInAsync(IPage page, string name, string path = "/console/alerts")
    {
        await page.GotoAsync(path);
        await ArrivedAtAsync(page, "**/console/signin?**");
        await page.ScreenshotAsync(new() { Path = ScreenshotPath("signin") });
        await page.FillAsync("#name", name);
        await page.FillAsync("#password", ConsoleTestHost.Password);
        await page.ClickAsync("#signin-button");
        await ArrivedAtAsync(page, $"**{path}");
        await Assertions.Expect(page.Locator("#who")).ToContainTextAsync(name);
    }

    /// <summary>
    /// Waits for the navigation to <paramref name="url"/> to commit, not for the page's load event: on a busy test
    /// machine that can lag by many seconds, and the assertions that follow wait for exactly what they read.
    /// </summary>
    private static Task ArrivedAtAsync(IPage page, string url) => page.WaitForURLAsync(url, new() { WaitUntil = WaitUntilState.Commit });

    /// <summary>Whether the canvas pixel on the left edge of a box has the colour the player gives that track.</summary>
    private static Task<bool> BoxEdgeHasTrackColourAsync(IPage page, int trackId, float x, float y) =>
        page.EvaluateAsync<bool>("""
            ({ trackId, x, y }) => {
              const canvas = document.getElementById("player-canvas");
              const pixel = canvas.getContext("2d").getImageData(Math.round(x * canvas.width), Math.round(y * canvas.height), 1, 1).data;
              const probe = document.createElement("canvas").getContext("2d");
              probe.fillStyle = `hsl(${Math.round((trackId * 137.508) % 360)} 90% 55%)`;
              probe.fillRect(0, 0, 1, 1);
              const expected = probe.getImageData(0, 0, 1, 1).data;
              return [0, 1, 2].every(i => Math.abs(pixel[i] - expected[i]) <= 24);
            }
            """, new { trackId, x = (double)x, y = (double)y });
}
