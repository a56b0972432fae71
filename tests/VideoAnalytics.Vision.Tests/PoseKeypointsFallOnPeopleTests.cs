using OpenCvSharp;
using VideoAnalytics.Testing;
using VideoAnalytics.Vision.Detection;
using VideoAnalytics.Vision.Pose;
using Xunit.Abstractions;

namespace VideoAnalytics.Vision.Tests;

using Detection = VideoAnalytics.Vision.Detection.Detection;

public sealed class PoseKeypointsFallOnPeopleTests(ITestOutputHelper output)
{
    [Fact]
    public void Confident_keypoints_lie_inside_the_person_box_with_head_above_feet()
    {
        using var frame = TestModels.ReadFrame(TestEnvironment.Videos("pedestrian", "crowd_topdown_hall_720p.avi"), 100);
        using var detector = TestModels.PersonDetector(score: 0.5f);
        var people = new List<Detection>();
        detector.Detect(frame, people);
        var large = people.Where(p => p.Box.H >= 80).ToList();
        Assert.True(large.Count >= 2, $"{large.Count} large people found");
        using var pose = new PoseEstimator(TestModels.Factory().Create(TestModels.SimplePose));
        var keypoints = new Keypoint[pose.KeypointNames.Count];
        int confident = 0, inside = 0, ordered = 0, spread = 0;

        foreach (var person in large)
        {
            pose.Estimate(frame, person.Box, keypoints);
            var box = person.Box;
            var slack = new BoxF(box.X - box.W * 0.1f, box.Y - box.H * 0.1f, box.W * 1.2f, box.H * 1.2f);
            float top = float.MaxValue, bottom = float.MinValue;
            foreach (var k in keypoints)
            {
                if (k.Score < pose.MinScore) continue;
                top = MathF.Min(top, k.Y);
                bottom = MathF.Max(bottom, k.Y);
                confident++;
                if (k.X >= slack.X && k.X <= slack.Right && k.Y >= slack.Y && k.Y <= slack.Bottom) inside++;
            }
            if (bottom - top >= 0.4f * box.H) spread++; // a skeleton, not a blob at the box centre
            var shoulders = keypoints[5..7];
            var ankles = keypoints[15..17];
            if ((shoulders[0].Y + shoulders[1].Y) / 2 < (ankles[0].Y + ankles[1].Y) / 2) ordered++;
        }
        output.WriteLine($"{large.Count} people, {confident} confident keypoints, {inside} inside their box, {ordered} with shoulders above ankles, {spread} spread over the body");

        Assert.Equal(17, pose.KeypointNames.Count);
        Assert.True(confident >= 5 * large.Count, $"only {confident} confident keypoints for {large.Count} people");
        Assert.True(inside >= 0.9 * confident, $"{inside} of {confident} confident keypoints inside their person box");
        Assert.True(spread >= 0.7 * large.Count, $"keypoints spread over the body for {spread} of {large.Count}");
        Assert.True(ordered >= 0.7 * large.Count, $"shoulders above ankles for {ordered} of {large.Count}");
    }
}
