package dev.meridian.transport.sync;

import com.google.protobuf.ByteString;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.transport.proto.SyncFrame;
import dev.meridian.transport.store.DeltaRefusedException;
import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.transport.store.ReplicaStore;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One replica's side of replication: its sessions (one per peer stream), pushes of local deltas,
 * relays of deltas that taught this replica something, and the directory of peers to dial. A pure
 * state machine driven by a driver (the gRPC runtime or the simulation) through the methods below,
 * always from one thread at a time, with that driver's clock (nanoseconds).
 *
 * <p>A driver: creates sessions with {@link #connect} (it dialled) and {@link #accept} (it accepted
 * a stream); hands every incoming frame to {@link #receive}; sends what {@link SyncSession#poll}
 * returns while the stream is ready (and a closing session's last frames regardless); ends a stream
 * once {@link SyncSession#isFinished()} and then, like for any stream that ended, calls {@link
 * #streamClosed}; calls {@link #tick} at {@link #nextDeadline}; dials {@link #dueDials}; and
 * forwards the store's local deltas to {@link #onLocalDelta}.
 */
public final class Replicator {
  /*
   * Design notes.
   * [1] One stream per pair: when a second session with the same replica opens, both sides keep the
   *     same one: of two streams in opposite directions, the one dialled by the smaller replica id;
   *     of two in the same direction, the newer (the older is likely dead). If the older is kept,
   *     it is probed: a half-open stream to a restarted peer then dies within the probe timeout.
   * [2] Relay: a delta is queued for every open session but the one it came from, and only if it
   *     taught this store an event; sessions skip what they already sent, so relaying terminates.
   *     A peer that holds streams with every replica whose writes the delta carries gets them from
   *     those replicas, so no relay goes to it: a full mesh carries each write once per peer, a
   *     partial mesh still relays.
   * [3] Durability: a received batch is joined at once, then acknowledged (its sequence number in
   *     the Ack) and relayed only once the store says it is durable, so a peer never counts as
   *     delivered what a crash here would lose. Meanwhile the stream keeps being read, up to
   *     SyncSession.MAX_AWAITING_DURABILITY batches; past that the driver stops reading it and gRPC
   *     flow control holds the sender.
   */
  private static final Logger LOG = LoggerFactory.getLogger(Replicator.class);

  private final ReplicaStore store;
  private final SyncConfig config;
  private final PeerDirectory directory;
  private final LinkedHashMap<Long, SyncSession> sessions = new LinkedHashMap<>();
  private final TreeMap<ReplicaId, SyncSession> open = new TreeMap<>();
  private long nextId = 1;
  private long rejectedFrames;
  private long oversizedDeltas;
  private long sessionsOpened;
  private long stalls;
  private final TreeMap<String, Long> refusalsByKind = new TreeMap<>();
  private Executor loop;
  private LongSupplier clock;

  /**
   * A replicator for {@code store}. {@code random} draws reconnect jitter (seed it to replay).
   *
   * @param now the driver's clock now, in nanoseconds
   */
  public Replicator(ReplicaStore store, SyncConfig config, Random random, long now) {
    this.store = Objects.requireNonNull(store, "store");
    this.config = Objects.requireNonNull(config, "config");
    Backoff backoff = new Backoff(config.reconnectBaseNanos, config.reconnectMaxNanos, random);
    this.directory = new PeerDirectory(config.peers, config.advertisedAddress,
        config.maxDirectory, backoff, now);
  }

  // ---- driver API -------------------------------------------------------------------------------

  /**
   * Lets received batches wait for durability off the driver's thread (design note [3]): a batch
   * whose joins the store makes durable later is then acknowledged and relayed by a task that
   * {@code loop} runs, with {@code clock} the driver's clock. Without it (the simulations), the
   * driver's thread waits for each batch. Call once, before the first session.
   */
  public void runDurabilityOn(Executor loop, LongSupplier clock) {
    this.loop = Objects.requireNonNull(loop, "loop");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** A session for a stream this replica dialled to {@code address}; it will send Hello first. */
  public SyncSession connect(String address, long now) {
    return register(new SyncSession(this, nextId++, true, address, now));
  }

  /** Most accepted streams whose handshake is not through yet; more are refused at once. */
  public static final int MAX_HANDSHAKES = 64;

  /**
   * A session for a stream a peer opened; {@code remote} describes the peer (for logs). With
   * {@link #MAX_HANDSHAKES} accepted streams still in their handshake, the new one is refused
   * (RESOURCE_EXHAUSTED, counted as "handshakes"): it starts closing, and the driver ends it.
   */
  public SyncSession accept(String remote, long now) {
    int waiting = 0;
    for (SyncSession s : sessions.values()) {
      if (!s.outbound() && s.inHandshake()) {
        waiting++;
      }
    }
    SyncSession s = register(new SyncSession(this, nextId++, false, remote, now));
    if (waiting >= MAX_HANDSHAKES) {
      refusalsByKind.merge("handshakes", 1L, Long::sum);
      refuse(s, Refusal.of(Refusal.Code.RESOURCE_EXHAUSTED,
          "%d streams are in their handshake here, the most accepted at once; retry later",
          MAX_HANDSHAKES));
    }
    return s;
  }

  private SyncSession register(SyncSession s) {
    sessions.put(s.id(), s);
    return s;
  }

  /**
   * Handles one incoming frame of {@code size} serialized bytes. A frame that fails validation is
   * counted, logged and answered: the session starts closing with a Goodbye naming the problem,
   * and nothing of the frame is applied. A Hello carrying this replica's own id (it dialled an
   * address of its own) closes the session the same way but is not counted as a refusal.
   */
  public void receive(SyncSession s, SyncFrame frame, int size, long now) {
    if (s.isClosing() || s.isFinished()) {
      return;
    }
    try {
      s.receive(frame, size, now);
    } catch (BadFrameException e) {
      if (e.kind().equals(Handshake.SELF)) {
        // Our own Hello came back through an address of ours: close with a Goodbye naming us
        // (the dialling session learns the address is ours from it), but count no refusal.
        LOG.debug("session {} with {}: {}", s.id(), s.describePeer(), e.refusal());
        s.close(e.refusal(), true);
        return;
      }
      refusalsByKind.merge(e.kind(), 1L, Long::sum);
      refuse(s, e.refusal());
    } catch (RuntimeException e) {
      LOG.error("session {} with {}: failed to handle a {} frame", s.id(), s.describePeer(),
          frame.getBodyCase(), e);
      s.close(new Refusal(Refusal.Code.INTERNAL, "internal error: " + e), true);
    }
  }

  /** Closes a session because of a frame the driver could not even parse or admit. */
  public void refuse(SyncSession s, Refusal why) {
    rejectedFrames++;
    s.countRejected();
    if (why.code() == Refusal.Code.ALREADY_EXISTS || why.code() == Refusal.Code.UNAVAILABLE) {
      // Expected: a duplicate stream, a peer going away.
      LOG.debug("session {} with {}: {}", s.id(), s.describePeer(), why);
    } else {
      LOG.warn("session {} with {}: refused a frame: {}", s.id(), s.describePeer(), why);
    }
    s.close(why, true);
  }

  /**
   * Closes a session the driver refused for what its transport says of the peer (its
   * certificate), before any frame of the peer was handed in: the session says Goodbye with
   * {@code why} and finishes. The driver counts and logs such refusals; this counts nothing.
   */
  public void closeRefused(SyncSession s, Refusal why) {
    if (!s.isClosing() && !s.isFinished()) {
      s.close(why, true);
    }
  }

  /** The stream of {@code s} is over (ended by either side or broken); forget the session. */
  public void streamClosed(SyncSession s, Refusal why, long now) {
    s.ended(why);
    if (sessions.remove(s.id()) == null) {
      return;
    }
    if (s.peer() != null && open.get(s.peer()) == s) {
      open.remove(s.peer());
      announceConnected(now);
      LOG.info("replica {} disconnected ({}): {}", s.peer(), s.address(), s.closeReason());
    }
    if (s.outbound()) {
      directory.ended(s.address(), s.wasOpen(), now);
    }
    LOG.debug("session {} with {} ended: {}", s.id(), s.describePeer(), s.closeReason());
  }

  /** Runs the timers of every session (timeouts, due acks and pushes). */
  public void tick(long now) {
    for (SyncSession s : new ArrayList<>(sessions.values())) {
      s.tick(now);
    }
  }

  /**
   * The next time {@link #tick} or {@link #dueDials} has something to do, or Long.MAX_VALUE. May be
   * at or before {@code now} when a timeout or a dial is due: tick (and dial) then.
   */
  public long nextDeadline(long now) {
    long t = directory.nextDue(this::isConnected);
    for (SyncSession s : sessions.values()) {
      t = Math.min(t, s.deadline(now));
    }
    return t;
  }

  /** The addresses to dial now; each must end up in {@link #connect} (or be retried later). */
  public List<String> dueDials(long now) {
    return directory.due(now, this::isConnected);
  }

  /** A dial of {@code address} failed before any session existed (connection refused). */
  public void dialFailed(String address, long now) {
    directory.ended(address, false, now);
  }

  /** Pushes a local write to every open session. */
  public void onLocalDelta(KeyedDelta d, long now) {
    if (open.isEmpty()) {
      return;
    }
    OutDelta out = new OutDelta(d.key(), ByteString.copyFrom(CrdtCodec.encode(d.delta())),
        d.events());
    for (SyncSession s : open.values()) {
      if (s.isOpen()) {
        s.enqueue(out, now);
      }
    }
  }

  /**
   * Makes every open session run a catch-up once its push queue drains: for {@code lost} local
   * writes the driver could not hand over (they are in the store, so catch-up finds them). Each
   * session counts them as dropped pushes.
   */
  public void catchUpAll(long lost) {
    for (SyncSession s : open.values()) {
      s.pushesLost(lost);
    }
  }

  /** Closes every session with a Goodbye (OK status). */
  public void shutdown() {
    for (SyncSession s : new ArrayList<>(sessions.values())) {
      s.close(new Refusal(Refusal.Code.OK, "replica shutting down"), true);
    }
  }

  /** The live sessions, in creation order. */
  public List<SyncSession> sessions() {
    return new ArrayList<>(sessions.values());
  }

  /** The open session with {@code peer}, or null. */
  public SyncSession sessionWith(ReplicaId peer) {
    SyncSession s = open.get(peer);
    return s != null && s.isOpen() ? s : null;
  }

  /** Per-peer statistics, one per live session. */
  public List<PeerStats> peers() {
    CausalContext local = store.context();
    List<PeerStats> out = new ArrayList<>();
    for (SyncSession s : sessions.values()) {
      out.add(s.stats(local));
    }
    return out;
  }

  /**
   * The directory of addresses to dial: configured ones (except our own advertised address) and
   * ones learned from peers, each with the replica last found there.
   */
  public List<KnownAddress> knownAddresses() {
    return directory.snapshot();
  }

  /** Frames refused so far, over all sessions. */
  public long rejectedFrames() {
    return rejectedFrames;
  }

  /**
   * Frames refused so far by what was wrong: "impersonation" (a Hello whose site is not its
   * certificate's, or a replica id claimed under another site), "own-dots" (a delta naming dots
   * of this replica it never issued), "implausible-counter" (a dot above 2^48),
   * "conflicting-record" (a record id held here with other content), "handshakes" (a stream
   * accepted while {@link #MAX_HANDSHAKES} were in their handshake), "identity-store" (the site
   * of a new peer could not be recorded), "frame" (anything else: malformed, oversized, out of
   * order, a handshake mismatch). A stream that reached this replica itself is none of these.
   */
  public Map<String, Long> refusalsByKind() {
    return new TreeMap<>(refusalsByKind);
  }

  /** Sessions that completed their handshake so far (a stream that resets and reopens counts twice). */
  public long sessionsOpened() {
    return sessionsOpened;
  }

  /**
   * Sessions closed so far because the peer fell silent (see {@link SyncSession#stalled()}):
   * streams stalled while open, unanswered probes, handshakes not done in time.
   */
  public long stalls() {
    return stalls;
  }

  /** Deltas that could not be sent because they exceed the maximum document size. */
  public long oversizedDeltas() {
    return oversizedDeltas;
  }

  /** The store replicated. */
  public ReplicaStore store() {
    return store;
  }

  /** The settings. */
  public SyncConfig config() {
    return config;
  }

  // ---- callbacks from sessions ------------------------------------------------------------------

  /**
   * Applies a received batch: at once when the store's joins are durable when made (then true),
   * else later, once they are (design note [3]; then false, and the session hears of it through
   * {@link SyncSession#batchDurable}).
   */
  boolean applyBatch(SyncSession from, Frames.DecodedBatch batch, long now)
      throws BadFrameException {
    if (batch.deltas().isEmpty()) {
      return true; // parts of a delta still to come
    }
    DeltaChecks.check(batch.deltas(), store.replicaId(), store.lastIssued());
    CompletableFuture<List<KeyedDelta>> durable;
    try {
      durable = store.applyDurably(batch.deltas());
    } catch (DeltaRefusedException e) {
      throw new BadFrameException(Refusal.Code.INVALID_ARGUMENT, e.getMessage(),
          "conflicting-record");
    }
    if (durable.isDone() || loop == null) {
      relay(from, batch, durable.join(), now);
      return true;
    }
    from.awaitingDurability(1);
    durable.whenComplete((taught, failure) -> loop.execute(() -> {
      long at = clock.getAsLong();
      from.awaitingDurability(-1);
      if (failure != null) {
        LOG.error("session {} with {}: a received batch could not be made durable",
            from.id(), from.describePeer(), failure);
        if (!from.isClosing() && !from.isFinished()) {
          from.close(new Refusal(Refusal.Code.INTERNAL,
              "this peer could not store a received batch durably"), true);
        }
        return;
      }
      from.batchDurable(batch.seq(), at);
      relay(from, batch, taught, at);
    }));
    return false;
  }

  /** Queues the deltas of {@code batch} that taught this store an event to the other sessions. */
  private void relay(SyncSession from, Frames.DecodedBatch batch, List<KeyedDelta> taught,
      long now) {
    if (taught.isEmpty()) {
      return;
    }
    Map<KeyedDelta, OutDelta> raw = new IdentityHashMap<>();
    for (int i = 0; i < batch.deltas().size(); i++) {
      raw.put(batch.deltas().get(i), batch.raw().get(i));
    }
    for (SyncSession s : open.values()) {
      if (s != from && s.isOpen()) {
        for (KeyedDelta d : taught) {
          if (!s.peerReaches(d.events().replicas())) {
            s.enqueue(raw.get(d), now);
          }
        }
      }
    }
  }

  /** The replicas this one holds open streams with. */
  List<ReplicaId> connectedIds() {
    List<ReplicaId> out = new ArrayList<>();
    for (Map.Entry<ReplicaId, SyncSession> e : open.entrySet()) {
      if (e.getValue().isOpen()) {
        out.add(e.getKey());
      }
    }
    return out;
  }

  private void announceConnected(long now) {
    for (SyncSession s : open.values()) {
      s.connectedChanged(now);
    }
  }

  void opened(SyncSession s, String advertised, List<String> known, long now) {
    sessionsOpened++;
    ReplicaId peer = s.peer();
    if (s.outbound()) {
      directory.opened(s.address(), peer);
    }
    if (config.learnPeers) {
      if (!advertised.isEmpty()) {
        directory.learn(advertised, now);
        directory.opened(advertised, peer);
      }
      for (String a : known) {
        directory.learn(a, now);
      }
    }
    SyncSession existing = open.get(peer);
    if (existing != null && existing != s && existing.isOpen()) {
      SyncSession keep = choose(existing, s);
      SyncSession drop = keep == existing ? s : existing;
      Refusal dup = new Refusal(Refusal.Code.ALREADY_EXISTS,
          "a stream between replicas " + store.replicaId() + " and " + peer + " already exists");
      LOG.debug("session {} with {}: {}", drop.id(), drop.describePeer(), dup);
      drop.close(dup, true);
      if (keep == existing) {
        existing.probe(now);
        return;
      }
    }
    SyncSession before = open.put(peer, s);
    announceConnected(now);
    LOG.debug("session {} with {} open", s.id(), s.describePeer());
    if (before == null || before == s) {
      LOG.info("replica {} connected ({}, {})", peer, s.address(),
          s.outbound() ? "dialled" : "accepted");
    }
  }

  private SyncSession choose(SyncSession a, SyncSession b) {
    if (a.outbound() != b.outbound()) {
      boolean smallerDialsWins = store.replicaId().compareTo(a.peer()) < 0;
      SyncSession mine = a.outbound() ? a : b;
      SyncSession theirs = a.outbound() ? b : a;
      return smallerDialsWins ? mine : theirs;
    }
    return a.id() > b.id() ? a : b;
  }

  void stalled(SyncSession s) {
    stalls++;
  }

  void connectedToSelf(SyncSession s) {
    if (s.outbound()) {
      directory.markSelf(s.address());
    }
  }

  void oversized(SyncSession s, OutDelta d) {
    oversizedDeltas++;
    if (d.delta().size() > config.maxDocumentBytes) {
      LOG.error("session {} with {}: the delta of document '{}' ({} bytes) exceeds the maximum "
          + "document size of {} bytes and cannot be sent (the store should have refused the "
          + "write that made it so large)", s.id(), s.describePeer(), Frames.abbreviate(d.key()),
          d.delta().size(), config.maxDocumentBytes);
    } else {
      LOG.error("session {} with {}: the delta of document '{}' ({} bytes) needs parts, which "
          + "the peer does not take (its Hello lacks the feature '{}'); upgrade it", s.id(),
          s.describePeer(), Frames.abbreviate(d.key()), d.delta().size(), Handshake.DELTA_PARTS);
    }
  }

  List<KnownAddress> knownAddresses(int max) {
    return directory.addresses(max);
  }

  private boolean isConnected(ReplicaId r) {
    SyncSession s = open.get(r);
    return s != null && s.isOpen();
  }
}
