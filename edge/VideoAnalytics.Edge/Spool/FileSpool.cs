using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using VideoAnalytics.Contracts.Identity;
using VideoAnalytics.Contracts.Messages;
using VideoAnalytics.Contracts.Serialization;
using VideoAnalytics.Contracts.Topics;

namespace VideoAnalytics.Edge.Spool;

/// <summary>
/// The spool on disk: one file per item, named <c>{sequence}-{kind}-{camera}.item</c>, written durably (see
/// <see cref="DurableFile"/>). On start the index is rebuilt from the folder and half-written temp files are deleted,
/// so the spool resumes after a restart or power loss. Items leave in sequence order, hence in order per camera.
/// </summary>
public sealed class FileSpool : ISpool
{
    private const string ItemSuffix = ".item";
    private const string CountersFile = "dropped.json";
    private static readonly byte[] Magic = "VASPOOL1"u8.ToArray();

    private readonly string _dir;
    private readonly long _maxBytes;
    private readonly DeviceId _device;
    private readonly ILogger<FileSpool> _logger;
    private readonly SemaphoreSlim _writeLock = new(1, 1);
    private readonly Lock _indexLock = new();
    private readonly TimeSpan _keepAcknowledged;
    private readonly SortedDictionary<long, SpoolEntry> _index = [];
    private readonly Dictionary<long, (SpoolEntry Entry, DateTime AckedUtc)> _acknowledged = [];
    private readonly Channel<bool> _added = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private long _nextSequence;
    private long _bytes;
    private DroppedCounters _dropped = new(0, 0);

    public FileSpool(SpoolOptions options, DeviceId device, ILogger<FileSpool> logger)
        : this(options.Directory, options.MaxBytes, device, logger, TimeSpan.FromSeconds(options.KeepAcknowledgedSeconds))
    {
    }

    public FileSpool(string directory, long maxBytes, DeviceId device, ILogger<FileSpool> logger, TimeSpan keepAcknowledged = default)
    {
        _keepAcknowledged = keepAcknowledged;
        _dir = Path.GetFullPath(directory);
        _maxBytes = maxBytes;
        _device = device;
        _logger = logger;
        Directory.CreateDirectory(_dir);
        Rebuild();
    }

    public SpoolHealth Health
    {
        get
        {
            lock (_indexLock) return new SpoolHealth(_bytes, _index.Count, _dropped.TrackBatches, _dropped.Clips);
        }
    }

    public async ValueTask EnqueueClipAsync(ClipManifest manifest, ReadOnlyMemory<byte> blob, CancellationToken ct)
    {
        var reasons = manifest.Validate(DateTimeOffset.UtcNow);
        if (reasons.Count > 0) throw new ArgumentException($"clip {manifest.ClipId} is not valid: {string.Join("; ", reasons)}", nameof(manifest));
        if (blob.Length != manifest.TotalBytes)
            throw new ArgumentException($"clip {manifest.ClipId} blob has {blob.Length} bytes, manifest says {manifest.TotalBytes}", nameof(blob));
        if (Convert.ToHexStringLower(SHA256.HashData(blob.Span)) != manifest.Sha256)
            throw new ArgumentException($"clip {manifest.ClipId} blob does not match the manifest's sha256", nameof(blob));
        var camera = RequireOwnCamera(manifest);
        await AppendAsync(SpoolItemKind.Clip, camera.Camera, MqttTopics.Clip(camera, manifest.ClipId), ContractJson.Serialize(manifest), blob, ct);
    }

    public async ValueTask EnqueueTrackBatchAsync(TrackBatch batch, CancellationToken ct)
    {
        RequireValid(batch, batch.MessageId);
        var camera = RequireOwnCamera(batch);
        await AppendAsync(SpoolItemKind.TrackBatch, camera.Camera, MqttTopics.Tracks(camera), ContractJson.Serialize(batch), default, ct);
    }

    public async ValueTask EnqueueGateEventAsync(GateEvent gateEvent, CancellationToken ct)
    {
        RequireValid(gateEvent, gateEvent.EventId);
        var camera = RequireOwnCamera(gateEvent);
        await AppendAsync(SpoolItemKind.GateEvent, camera.Camera, MqttTopics.Events(camera), ContractJson.Serialize(gateEvent), default, ct);
    }

    /// <summary>Up to <paramref name="max"/> items after <paramref name="afterSequence"/>, oldest first.</summary>
    public IReadOnlyList<SpoolEntry> PendingAfter(long afterSequence, int max)
    {
        lock (_indexLock)
        {
            return _index.Values.Where(e => e.Sequence > afterSequence).Take(max).ToList();
        }
    }

    /// <summary>Completes when an item may have been added since the last call (or at once, if one was).</summary>
    public async Task WaitForItemsAsync(CancellationToken ct) => await _added.Reader.ReadAsync(ct);

    /// <summary>Reads an item, or returns null if it was dropped meanwhile or its file is unreadable (then quarantined).</summary>
    public async Task<SpoolPayload?> ReadAsync(SpoolEntry entry, CancellationToken ct)
    {
        byte[] bytes;
        try
        {
            bytes = await File.ReadAllBytesAsync(entry.Path, ct);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        if (TryDecode(bytes, out var topic, out var json, out var blob)) return new SpoolPayload(entry, topic, json, blob);

        _logger.LogError("Spool item {Path} is corrupt; moved to corrupt/ and counted as dropped", entry.Path);
        var corrupt = Path.Combine(_dir, "corrupt");
        Directory.CreateDirectory(corrupt);
        File.Move(entry.Path, Path.Combine(corrupt, Path.GetFileName(entry.Path)), overwrite: true);
        await ForgetAsync(entry, countAsDropped: true, ct);
        return null;
    }

    /// <summary>
    /// Marks an item the broker acknowledged completely: it is no longer pending, and its file is deleted once it is
    /// older than the keep period. Acknowledging twice is harmless.
    /// </summary>
    public void Acknowledge(SpoolEntry entry)
    {
        lock (_indexLock)
        {
            if (!_index.Remove(entry.Sequence)) return;
            _acknowledged[entry.Sequence] = (entry, DateTime.UtcNow);
        }
        PurgeAcknowledged(DateTime.UtcNow - _keepAcknowledged);
    }

    /// <summary>Makes the recently acknowledged items pending again (after a reconnect); returns how many.</summary>
    public int RequeueAcknowledged()
    {
        PurgeAcknowledged(DateTime.UtcNow - _keepAcknowledged);
        lock (_indexLock)
        {
            foreach (var (entry, _) in _acknowledged.Values) _index[entry.Sequence] = entry;
            var n = _acknowledged.Count;
            _acknowledged.Clear();
            return n;
        }
    }

    private void PurgeAcknowledged(DateTime ackedBefore)
    {
        List<SpoolEntry> expired;
        lock (_indexLock)
        {
            expired = _acknowledged.Values.Where(a => a.AckedUtc <= ackedBefore).Select(a => a.Entry).ToList();
            foreach (var e in expired)
            {
                _acknowledged.Remove(e.Sequence);
                _bytes -= e.Bytes;
            }
        }
        foreach (var e in expired) File.Delete(e.Path);
    }

    private async ValueTask AppendAsync(SpoolItemKind kind, string camera, string topic, byte[] json, ReadOnlyMemory<byte> blob, CancellationToken ct)
    {
        var size = HeaderSize(topic) + json.Length + blob.Length;
        await _writeLock.WaitAsync(ct);
        try
        {
            if (!await MakeRoomAsync(kind, size, ct))
            {
                _logger.LogWarning("Spool full: dropped a new {Kind} of {Bytes} bytes for camera {Camera}", kind, size, camera);
                return;
            }
            var sequence = _nextSequence++;
            var path = Path.Combine(_dir, FileName(sequence, kind, camera));
            await DurableFile.WriteAsync(path, async (fs, token) =>
            {
                await fs.WriteAsync(Encode(topic, json, blob.Length), token);
                await fs.WriteAsync(json, token);
                if (blob.Length > 0) await fs.WriteAsync(blob, token);
            }, ct);
            lock (_indexLock)
            {
                _index.Add(sequence, new SpoolEntry(sequence, kind, camera, size, path));
                _bytes += size;
            }
        }
        finally
        {
            _writeLock.Release();
        }
        _added.Writer.TryWrite(true);
    }

    /// <summary>Applies the bound: oldest track batches go first, then oldest clips; gate events stay.</summary>
    private async Task<bool> MakeRoomAsync(SpoolItemKind kind, long size, CancellationToken ct)
    {
        lock (_indexLock)
        {
            if (_bytes + size <= _maxBytes) return true;
        }
        PurgeAcknowledged(DateTime.MaxValue); // delivered already: the first to go

        if (kind != SpoolItemKind.GateEvent && size > _maxBytes)
        {
            await CountDroppedAsync(kind, ct);
            return false;
        }
        foreach (var victimKind in (SpoolItemKind[])[SpoolItemKind.TrackBatch, SpoolItemKind.Clip])
        {
            while (true)
            {
                SpoolEntry? victim;
                lock (_indexLock)
                {
                    if (_bytes + size <= _maxBytes) return true;
                    victim = _index.Values.FirstOrDefault(e => e.Kind == victimKind);
                }
                if (victim is null) break;
                _logger.LogWarning("Spool over {MaxBytes} bytes: dropped oldest {Kind} #{Sequence} of camera {Camera}",
                    _maxBytes, victim.Kind, victim.Sequence, victim.Camera);
                File.Delete(victim.Path);
                await ForgetAsync(victim, countAsDropped: true, ct);
            }
        }
        if (kind == SpoolItemKind.GateEvent) return true; // Gate events are tiny and never dropped.
        await CountDroppedAsync(kind, ct);
        return false;
    }

    private async Task ForgetAsync(SpoolEntry entry, bool countAsDropped, CancellationToken ct)
    {
        lock (_indexLock)
        {
            if (!_index.Remove(entry.Sequence)) return;
            _bytes -= entry.Bytes;
        }
        if (countAsDropped) await CountDroppedAsync(entry.Kind, ct);
    }

    private async Task CountDroppedAsync(SpoolItemKind kind, CancellationToken ct)
    {
        DroppedCounters snapshot;
        lock (_indexLock)
        {
            _dropped = kind == SpoolItemKind.Clip
                ? _dropped with { Clips = _dropped.Clips + 1 }
                : _dropped with { TrackBatches = _dropped.TrackBatches + 1 };
            snapshot = _dropped;
        }
        var json = JsonSerializer.SerializeToUtf8Bytes(snapshot, SpoolJsonContext.Default.DroppedCounters);
        await DurableFile.WriteAsync(Path.Combine(_dir, CountersFile), (fs, token) => fs.WriteAsync(json, token), ct);
    }

    private void Rebuild()
    {
        foreach (var temp in Directory.EnumerateFiles(_dir, "*" + DurableFile.TempSuffix))
        {
            _logger.LogInformation("Spool: deleting half-written {Path}", temp);
            File.Delete(temp);
        }
        foreach (var path in Directory.EnumerateFiles(_dir, "*" + ItemSuffix))
        {
            if (!TryParseFileName(Path.GetFileName(path), out var sequence, out var kind, out var camera))
            {
                _logger.LogWarning("Spool: ignoring unknown file {Path}", path);
                continue;
            }
            var entry = new SpoolEntry(sequence, kind, camera, new FileInfo(path).Length, path);
            _index[sequence] = entry;
            _bytes += entry.Bytes;
        }
        _nextSequence = _index.Count == 0 ? 0 : _index.Keys.Max() + 1;
        var countersPath = Path.Combine(_dir, CountersFile);
        if (File.Exists(countersPath))
        {
            try
            {
                _dropped = JsonSerializer.Deserialize(File.ReadAllBytes(countersPath), SpoolJsonContext.Default.DroppedCounters) ?? _dropped;
            }
            catch (JsonException e)
            {
                _logger.LogWarning("Spool: drop counters unreadable ({Error}); starting from zero", e.Message);
            }
        }
        if (_index.Count > 0) _logger.LogInformation("Spool resumed with {Items} items, {Bytes} bytes", _index.Count, _bytes);
        _added.Writer.TryWrite(true);
    }

    private void RequireValid(IContractMessage message, string id)
    {
        var reasons = message.Validate(DateTimeOffset.UtcNow);
        if (reasons.Count > 0) throw new ArgumentException($"{message.Schema} {id} is not valid: {string.Join("; ", reasons)}", nameof(message));
    }

    private CameraId RequireOwnCamera(ICameraMessage message)
    {
        var device = new DeviceId(message.Branch, message.Site, message.Device);
        if (device != _device) throw new ArgumentException($"message of device {device} given to the spool of device {_device}", nameof(message));
        return device.Camera(message.Camera);
    }

    private static string FileName(long sequence, SpoolItemKind kind, string camera) =>
        $"{sequence.ToString("D16", CultureInfo.InvariantCulture)}-{KindName(kind)}-{camera}{ItemSuffix}";

    private static string KindName(SpoolItemKind kind) => kind switch
    {
        SpoolItemKind.TrackBatch => "tracks",
        SpoolItemKind.GateEvent => "event",
        _ => "clip",
    };

    private static bool TryParseFileName(string name, out long sequence, out SpoolItemKind kind, out string camera)
    {
        sequence = 0; kind = default; camera = "";
        var parts = name[..^ItemSuffix.Length].Split('-', 3);
        if (parts.Length != 3 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out sequence)) return false;
        kind = parts[1] switch
        {
            "tracks" => SpoolItemKind.TrackBatch,
            "event" => SpoolItemKind.GateEvent,
            "clip" => SpoolItemKind.Clip,
            _ => (SpoolItemKind)(-1),
        };
        camera = parts[2];
        return Enum.IsDefined(kind) && Slug.IsValid(camera);
    }

    private static int HeaderSize(string topic) => Magic.Length + 4 + Encoding.UTF8.GetByteCount(topic) + 4 + 8;

    private static byte[] Encode(string topic, byte[] json, int blobLength)
    {
        var topicBytes = Encoding.UTF8.GetBytes(topic);
        var header = new byte[Magic.Length + 4 + topicBytes.Length + 4 + 8];
        var span = header.AsSpan();
        Magic.CopyTo(span);
        span = span[Magic.Length..];
        BinaryPrimitives.WriteInt32LittleEndian(span, topicBytes.Length);
        topicBytes.CopyTo(span[4..]);
        span = span[(4 + topicBytes.Length)..];
        BinaryPrimitives.WriteInt32LittleEndian(span, json.Length);
        BinaryPrimitives.WriteInt64LittleEndian(span[4..], blobLength);
        return header;
    }

    private static bool TryDecode(byte[] bytes, out string topic, out ReadOnlyMemory<byte> json, out ReadOnlyMemory<byte> blob)
    {
        topic = ""; json = default; blob = default;
        var span = bytes.AsSpan();
        if (span.Length < Magic.Length + 4 || !span[..Magic.Length].SequenceEqual(Magic)) return false;
        var pos = Magic.Length;
        var topicLength = BinaryPrimitives.ReadInt32LittleEndian(span[pos..]);
        pos += 4;
        if (topicLength <= 0 || topicLength > 1024 || span.Length < pos + topicLength + 12) return false;
        topic = Encoding.UTF8.GetString(span.Slice(pos, topicLength));
        pos += topicLength;
        var jsonLength = BinaryPrimitives.ReadInt32LittleEndian(span[pos..]);
        var blobLength = BinaryPrimitives.ReadInt64LittleEndian(span[(pos + 4)..]);
        pos += 12;
        if (jsonLength <= 0 || blobLength < 0 || (long)pos + jsonLength + blobLength != span.Length) return false;
        json = bytes.AsMemory(pos, jsonLength);
        blob = bytes.AsMemory(pos + jsonLength, (int)blobLength);
        return true;
    }
}

internal sealed record DroppedCounters(long TrackBatches, long Clips);

[System.Text.Json.Serialization.JsonSerializable(typeof(DroppedCounters))]
internal sealed partial class SpoolJsonContext : System.Text.Json.Serialization.JsonSerializerContext;
