using System.Diagnostics;

namespace VideoAnalytics.Edge.Perception;

/// <summary>The stages a frame goes through, for per-stage timing.</summary>
public enum Stage { Decode, Detect, Track, Encode, GateFeatures, Clip }

/// <summary>Accumulated wall time per stage (ticks), cheap enough to keep on in production.</summary>
public sealed class StageTimings
{
    private readonly long[] _ticks = new long[Enum.GetValues<Stage>().Length];
    private readonly long[] _counts = new long[Enum.GetValues<Stage>().Length];

    public void Add(Stage stage, long startTimestamp)
    {
        Interlocked.Add(ref _ticks[(int)stage], Stopwatch.GetTimestamp() - startTimestamp);
        Interlocked.Increment(ref _counts[(int)stage]);
    }

    public double TotalMilliseconds(Stage stage) => Interlocked.Read(ref _ticks[(int)stage]) * 1000.0 / Stopwatch.Frequency;

    public long Count(Stage stage) => Interlocked.Read(ref _counts[(int)stage]);

    public double MeanMilliseconds(Stage stage) => Count(stage) == 0 ? 0 : TotalMilliseconds(stage) / Count(stage);
}
