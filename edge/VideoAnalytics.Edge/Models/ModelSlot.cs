namespace VideoAnalytics.Edge.Models;

/// <summary>
/// Holds the model instance the pipeline uses and swaps it atomically. A frame takes one <see cref="Lease"/> and uses
/// that instance for the whole frame; <see cref="Swap"/> makes the next frame see the new instance, and the old one
/// is disposed as soon as the last frame that leased it is done. No lock on the frame path: two interlocked ops.
/// </summary>
public sealed class ModelSlot<T> : IDisposable where T : class, IDisposable
{
    private Entry? _current;

    public ModelSlot(T? initial = null) => _current = initial is null ? null : new Entry(initial);

    /// <summary>Whether an instance is loaded.</summary>
    public bool HasValue => Volatile.Read(ref _current) is not null;

    /// <summary>Leases the current instance for one frame; dispose the lease at the end of the frame.</summary>
    public Lease Acquire()
    {
        while (true)
        {
            var entry = Volatile.Read(ref _current) ?? throw new InvalidOperationException($"no {typeof(T).Name} is loaded yet");
            if (entry.TryAddRef()) return new Lease(entry);
            // The entry was swapped out and released between the read and the add; the slot already holds a newer one.
        }
    }

    /// <summary>Leases the current instance, or returns false when none is loaded.</summary>
    public bool TryAcquire(out Lease lease)
    {
        while (Volatile.Read(ref _current) is { } entry)
        {
            if (entry.TryAddRef()) { lease = new Lease(entry); return true; }
        }
        lease = default;
        return false;
    }

    /// <summary>Makes <paramref name="next"/> current; the previous instance is disposed once no frame holds it.</summary>
    public void Swap(T next) => Interlocked.Exchange(ref _current, new Entry(next))?.Release();

    public void Dispose() => Interlocked.Exchange(ref _current, null)?.Release();

    /// <summary>One frame's hold on an instance.</summary>
    public readonly struct Lease : IDisposable
    {
        private readonly Entry? _entry;

        internal Lease(Entry entry) => _entry = entry;

        public T Value => _entry?.Value ?? throw new InvalidOperationException("empty lease");

        public void Dispose() => _entry?.Release();
    }

    internal sealed class Entry(T value)
    {
        private int _refs = 1; // the slot's own reference

        public T Value { get; } = value;

        public bool TryAddRef()
        {
            var refs = Volatile.Read(ref _refs);
            while (refs > 0)
            {
                var seen = Interlocked.CompareExchange(ref _refs, refs + 1, refs);
                if (seen == refs) return true;
                refs = seen;
            }
            return false;
        }

        public void Release()
        {
            if (Interlocked.Decrement(ref _refs) == 0) Value.Dispose();
        }
    }
}
