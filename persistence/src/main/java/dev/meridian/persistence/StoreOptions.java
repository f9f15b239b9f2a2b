package dev.meridian.persistence;

import static java.util.Objects.requireNonNull;

import java.nio.file.Path;
import java.time.Duration;

/**
 * How to open a {@link MapDbDocStore}: the data directory and the tuning knobs, with defaults.
 *
 * <pre>{@code
 * StoreOptions.in(Path.of("data")).durability(Durability.DURABLE).build()
 * }</pre>
 */
public final class StoreOptions {
  final Path directory;
  final Durability durability;
  final Duration commitInterval;
  final Duration checkpointInterval;
  final long checkpointBytes;
  final long maxBacklogBytes;
  final long segmentBytes;
  final long cacheBytes;
  final boolean byHand;
  final dev.meridian.crdt.ReplicaId newReplicaId;
  final java.util.function.LongSupplier wallMillis;

  private StoreOptions(Builder b) {
    this.directory = b.directory;
    this.durability = b.durability;
    this.commitInterval = b.commitInterval;
    this.checkpointInterval = b.checkpointInterval;
    this.checkpointBytes = b.checkpointBytes;
    this.maxBacklogBytes = b.maxBacklogBytes;
    this.segmentBytes = b.segmentBytes;
    this.cacheBytes = b.cacheBytes;
    this.byHand = b.byHand;
    this.newReplicaId = b.newReplicaId;
    this.wallMillis = b.wallMillis;
  }

  /** A builder for a store in {@code directory} (created if absent). */
  public static Builder in(Path directory) {
    return new Builder(requireNonNull(directory, "directory"));
  }

  /** The data directory. */
  public Path directory() {
    return directory;
  }

  /** Builds {@link StoreOptions}. */
  public static final class Builder {
    private final Path directory;
    private Durability durability = Durability.DURABLE;
    private Duration commitInterval = Duration.ofMillis(5);
    private Duration checkpointInterval = Duration.ofSeconds(2);
    private long checkpointBytes = 8L << 20;
    private long maxBacklogBytes = 256L << 20;
    private long segmentBytes = 64L << 20;
    private long cacheBytes = 64L << 20;
    private boolean byHand;
    private dev.meridian.crdt.ReplicaId newReplicaId;
    private java.util.function.LongSupplier wallMillis = System::currentTimeMillis;

    private Builder(Path directory) {
      this.directory = directory;
    }

    /** When write futures complete (default {@link Durability#DURABLE}). */
    public Builder durability(Durability durability) {
      this.durability = requireNonNull(durability, "durability");
      return this;
    }

    /** The longest an asynchronous write waits before its fsync (default 5 ms). */
    public Builder commitInterval(Duration interval) {
      this.commitInterval = positive(interval, "commit interval");
      return this;
    }

    /** The longest journaled writes wait before MapDB is brought up to date (default 2 s). */
    public Builder checkpointInterval(Duration interval) {
      this.checkpointInterval = positive(interval, "checkpoint interval");
      return this;
    }

    /** Journal bytes that start a checkpoint before the interval is over (default 8 MiB). */
    public Builder checkpointBytes(long bytes) {
      this.checkpointBytes = positive(bytes, "checkpoint bytes");
      return this;
    }

    /** Journal bytes not yet in MapDB past which writers wait for a checkpoint (default 256 MiB). */
    public Builder maxBacklogBytes(long bytes) {
      this.maxBacklogBytes = positive(bytes, "max backlog bytes");
      return this;
    }

    /** Size past which the journal starts a new segment file (default 64 MiB). */
    public Builder segmentBytes(long bytes) {
      this.segmentBytes = positive(bytes, "segment bytes");
      return this;
    }

    /** Approximate bytes of documents kept decoded in memory (default 64 MiB). */
    public Builder cacheBytes(long bytes) {
      this.cacheBytes = positive(bytes, "cache bytes");
      return this;
    }

    /**
     * Runs the store without background threads, for deterministic simulations: the journal is
     * written and fsynced only by {@link MapDbDocStore#commit()} (or by a read, flush or close
     * that needs it, at the point it is called), checkpoints are taken only by {@link
     * MapDbDocStore#checkpoint()}, and a write's future completes inside the commit that makes
     * it durable. What was not committed when the store is abandoned is lost, as in a power cut.
     */
    public Builder byHand() {
      this.byHand = true;
      return this;
    }

    /**
     * The replica id a directory created by this open gets (default: random). Only for
     * simulations that replay a seed: two directories must never share an id.
     */
    public Builder newReplicaId(dev.meridian.crdt.ReplicaId id) {
      this.newReplicaId = requireNonNull(id, "id");
      return this;
    }

    /** The wall clock the hybrid clock reads, in milliseconds (default: the system's). */
    public Builder wallClock(java.util.function.LongSupplier wallMillis) {
      this.wallMillis = requireNonNull(wallMillis, "wallMillis");
      return this;
    }

    /** The options. */
    public StoreOptions build() {
      return new StoreOptions(this);
    }

    private static Duration positive(Duration d, String what) {
      if (requireNonNull(d, what).isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive: " + d);
      }
      return d;
    }

    private static long positive(long v, String what) {
      if (v <= 0) {
        throw new IllegalArgumentException(what + " must be positive: " + v);
      }
      return v;
    }
  }
}
