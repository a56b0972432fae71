using VideoAnalytics.Vision.Detection;

namespace VideoAnalytics.Vision.Tracking;

// The type shares its name with its namespace; the alias keeps lookups inside VideoAnalytics.Vision unambiguous.
using Detection = VideoAnalytics.Vision.Detection.Detection;

/// <summary>A tracked object in the current frame.</summary>
public readonly record struct TrackedObject(long TrackId, int ClassId, BoxF Box, float Score, float VelocityX, float VelocityY);

/// <summary>Associates detections over frames and gives each object a stable id.</summary>
public interface IMultiObjectTracker
{
    /// <summary>Updates with the detections of one frame at <paramref name="timestamp"/>; fills the active tracks and those that ended.</summary>
    void Update(IReadOnlyList<Detection> detections, TimeSpan timestamp, List<TrackedObject> active, List<long> ended);
}
