namespace VideoAnalytics.Contracts.Messages;

/// <summary>Size limits of the MQTT contract, enforced by readers on both sides.</summary>
public static class Limits
{
    public const int MaxChunkBytes = 256 * 1024;
    public const int MaxClipBytes = 64 * 1024 * 1024;
    public const int MaxChunksPerClip = MaxClipBytes / MaxChunkBytes;
    public const int MaxJsonPayloadBytes = 1024 * 1024;
    public const int MaxTrackRecordsPerBatch = 2000;
    public const int MaxTrajectoryPoints = 256;
    public const int MaxEmbeddingLength = 4096;
    public const int MaxCropJpegBase64 = 64 * 1024;
    public const int MaxFilesPerClip = 512;
    public const int MaxFeatures = 128;
    public const int MaxCamerasPerDevice = 64;
    public const int MaxModelsPerDevice = 16;
    public const int MaxReasonLength = 2000;
}
