using System.Collections.Concurrent;
using OpenCvSharp;
using VideoAnalytics.Contracts.Messages;

namespace VideoAnalytics.Edge.Clips;

/// <summary>A scaled-down copy of an analysed frame kept for clips, with what the edge saw in it.</summary>
public sealed class ClipFrame
{
    public Mat Image { get; } = new();
    public TimeSpan Position { get; set; }
    public DateTimeOffset CapturedUtc { get; set; }
    public List<BoxAnnotation> Boxes { get; } = [];
}

/// <summary>Reusable <see cref="ClipFrame"/>s: the pre-roll ring and recordings take from it and give back.</summary>
public sealed class ClipFramePool : IDisposable
{
    private readonly ConcurrentBag<ClipFrame> _free = [];
    private readonly ConcurrentBag<ClipFrame> _all = [];

    public ClipFrame Rent()
    {
        if (_free.TryTake(out var f)) return f;
        f = new ClipFrame();
        _all.Add(f);
        return f;
    }

    public void Return(ClipFrame frame)
    {
        frame.Boxes.Clear();
        _free.Add(frame);
    }

    public void Dispose()
    {
        foreach (var f in _all) f.Image.Dispose();
    }
}
