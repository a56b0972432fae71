using VideoAnalytics.Edge.Capture;
using VideoAnalytics.Vision.Detection;
using VideoAnalytics.Vision.Gating;

namespace VideoAnalytics.Edge.Pipeline;

/// <summary>
/// Gate features of labelled videos, from the cache when the video, detector and settings match, otherwise by
/// running <see cref="VideoGateAnalyzer"/>. Videos that cannot be decoded are skipped and named.
/// </summary>
public static class LabelledFeatureCollector
{
    public static (List<VideoFeatures> Features, List<string> Skipped) Collect(
        IReadOnlyList<LabelledVideo> videos, IObjectDetector detector, GateWindowSettings settings, double analysisFps,
        string cacheDir, TextWriter log, CancellationToken ct, PoseMotion? pose = null)
    {
        var analyzer = new VideoGateAnalyzer(detector, settings, analysisFps, pose: pose);
        var cache = new FeatureCache(cacheDir);
        var features = new List<VideoFeatures>();
        var skipped = new List<string>();
        for (var i = 0; i < videos.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            var video = videos[i];
            var key = FeatureCache.KeyFor(video, detector.ModelName, analysisFps, settings, analyzer.FeatureNames);
            var cached = cache.TryGet(video, key);
            try
            {
                var f = cached ?? analyzer.Features(video);
                if (cached is null) cache.Put(video, key, f);
                features.Add(f);
                log.WriteLine($"[{i + 1}/{videos.Count}] {video.File} {(video.Fight ? "fight" : "nofight")} group={video.Group} windows={f.Windows.Length}{(cached is null ? "" : " (cached)")}");
            }
            catch (FrameSourceException e)
            {
                skipped.Add(video.File);
                log.WriteLine($"[{i + 1}/{videos.Count}] skipped: {e.Message}");
            }
        }
        return (features, skipped);
    }
}
