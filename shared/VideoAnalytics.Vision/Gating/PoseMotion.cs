using OpenCvSharp;
using VideoAnalytics.Vision.Detection;
using VideoAnalytics.Vision.Pose;
using VideoAnalytics.Vision.Tracking;

namespace VideoAnalytics.Vision.Gating;

/// <summary>What the pose of the people in one frame says about fighting.</summary>
/// <param name="WristSpeedMax">Fastest wrist, in the person's box heights per second (punches, shoves).</param>
/// <param name="ReachMax">Longest arm reaching towards another person, wrist-to-shoulder in box heights (0 when nobody reaches for anyone).</param>
public readonly record struct PoseFrame(float WristSpeedMax, float ReachMax);

/// <summary>
/// The optional pose stage of the gate: keypoints of the largest person tracks of a frame, turned into limb speeds and
/// arm extension towards another person. Wrists are followed per track id between frames. Not thread-safe.
/// </summary>
public sealed class PoseMotion : IDisposable
{
    private readonly PoseEstimator _estimator;
    private readonly int _maxPeople;
    private readonly int _leftShoulder, _rightShoulder, _leftWrist, _rightWrist;
    private readonly Keypoint[] _keypoints;
    private Dictionary<long, Wrists> _previous = [];
    private Dictionary<long, Wrists> _current = [];
    private readonly List<TrackedObject> _people = [];

    /// <param name="estimator">Owned: disposed with this.</param>
    /// <param name="maxPeople">Largest person boxes measured per frame (each costs one pose inference).</param>
    public PoseMotion(PoseEstimator estimator, int maxPeople = 4)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxPeople, 1);
        _estimator = estimator;
        _maxPeople = maxPeople;
        var names = estimator.KeypointNames.ToList();
        int Index(string name) => names.IndexOf(name) is var i and >= 0
            ? i : throw new ArgumentException($"pose model has no '{name}' keypoint (it has {string.Join(",", names)})");
        (_leftShoulder, _rightShoulder, _leftWrist, _rightWrist) = (Index("left_shoulder"), Index("right_shoulder"), Index("left_wrist"), Index("right_wrist"));
        _keypoints = new Keypoint[estimator.KeypointNames.Count];
    }

    public PoseFrame Measure(Mat bgr, TimeSpan position, IReadOnlyList<TrackedObject> tracks, int personClassId)
    {
        _people.Clear();
        foreach (var t in tracks) if (t.ClassId == personClassId && t.Box.H > 1) _people.Add(t);
        _people.Sort((a, b) => (b.Box.W * b.Box.H).CompareTo(a.Box.W * a.Box.H));
        if (_people.Count > _maxPeople) _people.RemoveRange(_maxPeople, _people.Count - _maxPeople);

        float speedMax = 0, reachMax = 0;
        _current.Clear();
        foreach (var person in _people)
        {
            _estimator.Estimate(bgr, person.Box, _keypoints);
            var wrists = new Wrists(position, _keypoints[_leftWrist], _keypoints[_rightWrist]);
            _current[person.TrackId] = wrists;
            var height = person.Box.H;
            if (_previous.TryGetValue(person.TrackId, out var before) && (position - before.Position).TotalSeconds is > 0 and var dt)
            {
                speedMax = MathF.Max(speedMax, Speed(before.Left, wrists.Left, height, (float)dt));
                speedMax = MathF.Max(speedMax, Speed(before.Right, wrists.Right, height, (float)dt));
            }
            reachMax = MathF.Max(reachMax, Reach(person, _keypoints[_leftShoulder], wrists.Left, height));
            reachMax = MathF.Max(reachMax, Reach(person, _keypoints[_rightShoulder], wrists.Right, height));
        }
        // Only tracks seen in this frame carry over, so the dictionaries stay as small as the scene.
        (_previous, _current) = (_current, _previous);
        return new PoseFrame(speedMax, reachMax);
    }

    private float Speed(Keypoint from, Keypoint to, float height, float seconds) =>
        from.Score < _estimator.MinScore || to.Score < _estimator.MinScore ? 0 : Distance(from, to) / height / seconds;

    /// <summary>Arm length in box heights when the wrist is nearer another person's centre than its own shoulder is.</summary>
    private float Reach(in TrackedObject person, Keypoint shoulder, Keypoint wrist, float height)
    {
        if (shoulder.Score < _estimator.MinScore || wrist.Score < _estimator.MinScore) return 0;
        var reach = 0f;
        foreach (var other in _people)
        {
            if (other.TrackId == person.TrackId) continue;
            var target = new Keypoint(other.Box.CenterX, other.Box.CenterY, 1);
            if (Distance(wrist, target) < Distance(shoulder, target)) reach = MathF.Max(reach, Distance(shoulder, wrist) / height);
        }
        return reach;
    }

    private static float Distance(Keypoint a, Keypoint b) => MathF.Sqrt((a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y));

    public void Dispose() => _estimator.Dispose();

    private readonly record struct Wrists(TimeSpan Position, Keypoint Left, Keypoint Right);
}
