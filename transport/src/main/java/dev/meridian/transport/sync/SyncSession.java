package dev.meridian.transport.sync;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.transport.proto.Ack;
import dev.meridian.transport.proto.Goodbye;
import dev.meridian.transport.proto.Hello;
import dev.meridian.transport.proto.Ping;
import dev.meridian.transport.proto.SyncFrame;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocol state of one Sync stream with one peer: handshake, what the peer is known to hold,
 * what was sent to it, the push queue, the catch-up walk, acks, pings and timeouts. A pure state
 * machine: the driver passes frames in ({@link Replicator#receive}), polls frames out ({@link #poll})
 * while its transport is ready, and calls {@link Replicator#tick} at the deadline.
 *
 * <p>Not thread-safe: a driver calls a replicator and its sessions from one thread at a time.
 */
public final class SyncSession {
  /*
   * Design notes.
   * [1] `peerContext` is the peer's last reported store context (Hello, then Acks). `sent` is the
   *     set of events queued or sent on this stream; an Ack settles in-flight batches and removes
   *     from `sent` the events of settled batches that the peer still lacks (lost frames, possible
   *     only on an unreliable network). So R \ peerContext \ sent is what the peer lacks and no
   *     frame on the way will bring; CatchUp decides from it when to walk the store.
   * [2] Memory per session is bounded: the push queue by maxQueuedBytes (overflow drops pushes and
   *     schedules catch-up), in-flight batches by maxInFlightBytes (sending pauses), the catch-up
   *     walk by pulling one document at a time only while the transport is ready (a large one is
   *     held encoded while its parts go out), a delta received in parts by maxDocumentBytes (one
   *     per stream). Deltas larger than maxPartBytes never enter the push queue: catch-up sends
   *     them in parts.
   * [3] Push and catch-up batches alternate when both are ready, so neither starves the other.
   * [4] Liveness: an open session pings whenever it has heard nothing for pingInterval (again
   *     every pingInterval while that lasts), and a live peer answers at once, so silence beyond
   *     idleTimeout means the stream is stalled: a network that drops packets without resetting
   *     the connection, a dead host, a paused process. TCP would go on retransmitting with
   *     exponential backoff for minutes, and anything sent later on the same connection (a new
   *     gRPC stream too) queues behind that; so the session closes as `stalled()`, the driver
   *     abandons the connection and dials a new one, and the new stream's Hello starts catch-up.
   *     What was sent on the stalled stream and not acknowledged is in `sent` only, which dies
   *     with the session: nothing is lost, catch-up compares contexts afresh.
   */
  private static final Logger LOG = LoggerFactory.getLogger(SyncSession.class);

  /** Where a session is in its life. */
  enum State {
    HANDSHAKE,
    OPEN,
    CLOSING,
    CLOSED
  }

  private final Replicator owner;
  private final SyncConfig config;
  private final long id;
  private final boolean outbound;
  private final String address;
  private final long createdAt;

  private State state = State.HANDSHAKE;
  private boolean helloSent;
  private boolean wasOpen;
  private ReplicaId peer;
  private String peerSite = "";
  private String certSite;
  private CausalContext peerContext = new CausalContext();
  private CausalContext sent = new CausalContext();
  private Set<ReplicaId> peerConnected = Set.of();
  private boolean connectedChanged = true;
  private long statusAcks;

  private final StreamCompression compression = new StreamCompression();
  private boolean compressOut;
  private boolean peerTakesParts;
  private final PushQueue push = new PushQueue();
  private final PartAssembly assembly = new PartAssembly();
  private final InFlight inFlight = new InFlight();
  private final CatchUp catchUp = new CatchUp();
  private boolean preferCatchUp;

  private long nextSeq = 1;
  private long appliedSeq;
  private int awaitingDurability;
  private long ackDueAt = Long.MAX_VALUE;
  private long nextStatusAt;
  private long lastReceivedAt;
  private long lastPingAt;
  private long pingNonce;
  private long pongOwed = -1;
  private boolean pingNow;
  private long probeDeadline = Long.MAX_VALUE;
  private long lastPollAt;
  private boolean stalled;

  private Refusal closeReason;
  private boolean goodbyeOwed;
  private Runnable wakeup = () -> {};

  private long bytesIn;
  private long bytesOut;
  private long deltasIn;
  private long deltasOut;
  private long batchesIn;
  private long batchesOut;
  private long rejected;
  private long droppedPushes;
  private boolean heard;

  SyncSession(Replicator owner, long id, boolean outbound, String address, long now) {
    this.owner = owner;
    this.config = owner.config();
    this.id = id;
    this.outbound = outbound;
    this.address = address;
    this.createdAt = now;
    this.lastReceivedAt = now;
    this.lastPingAt = now;
    this.nextStatusAt = Long.MAX_VALUE;
  }

  // ---- driver API -------------------------------------------------------------------------------

  /** The engine calls {@code r} whenever {@link #poll} may have a frame; it must not poll inline. */
  public void setWakeup(Runnable r) {
    this.wakeup = r;
  }

  /** This session's number, unique within its replicator. */
  public long id() {
    return id;
  }

  /** True if this replica dialled. */
  public boolean outbound() {
    return outbound;
  }

  /** The address dialled, or the remote address of an accepted stream. */
  public String address() {
    return address;
  }

  /**
   * The site the transport vouches for (the {@code meridian-peer:} name of the peer's verified
   * certificate), set by the driver before the peer's Hello is handed in; the Hello must name the
   * same site. Null (the default): the transport vouches for none.
   */
  public void certifiedSite(String site) {
    this.certSite = site;
  }

  /** The site the peer's Hello named ("" if none, or before its Hello). */
  public String peerSite() {
    return peerSite;
  }

  /** The peer's replica id, or null before its Hello. */
  public ReplicaId peer() {
    return peer;
  }

  /** True until the peer's Hello is through (and the session is not closing). */
  boolean inHandshake() {
    return state == State.HANDSHAKE;
  }

  /** True once both Hellos are through and until the session closes. */
  public boolean isOpen() {
    return state == State.OPEN;
  }

  /** True if the engine is closing: poll the last frames regardless of readiness, then end. */
  public boolean isClosing() {
    return state == State.CLOSING;
  }

  /** True when nothing more will be sent: the driver ends the stream with {@link #closeReason}. */
  public boolean isFinished() {
    return state == State.CLOSED;
  }

  /**
   * True if the engine closed this session because the peer fell silent: nothing heard within
   * the idle timeout while open, no answer to a probe, or no handshake within the handshake
   * timeout. The connection beneath may be dead although nobody said so: a driver abandons it and
   * dials afresh rather than opening another stream on it.
   */
  public boolean stalled() {
    return stalled;
  }

  /** Why the session ended (null while it runs). */
  public Refusal closeReason() {
    return closeReason;
  }

  /**
   * The next frame to send, or null if there is none now. Call while the transport is ready (or
   * while {@link #isClosing()}); each returned frame must be sent.
   */
  public SyncFrame poll(long now) {
    switch (state) {
      case CLOSING:
        if (goodbyeOwed && !outbound && !helloSent && peer != null
            && closeReason.code() == Refusal.Code.ALREADY_EXISTS) {
          // A duplicate of a stream we keep: say who we are first, so the dialler learns which
          // replica its address reaches and does not redial it while that stream lives.
          return hello();
        }
        state = State.CLOSED;
        if (goodbyeOwed) {
          goodbyeOwed = false;
          return count(SyncFrame.newBuilder().setGoodbye(Goodbye.newBuilder()
              .setCode(closeReason.code().number())
              .setReason(Handshake.truncate(closeReason.reason(), 512))).build());
        }
        return null;
      case CLOSED:
        return null;
      case HANDSHAKE:
        if (outbound && !helloSent) {
          return hello();
        }
        return null;
      case OPEN:
      default:
        return pollOpen(now);
    }
  }

  private SyncFrame pollOpen(long now) {
    lastPollAt = now;
    if (!helloSent) {
      return hello();
    }
    if (pongOwed >= 0) {
      long nonce = pongOwed;
      pongOwed = -1;
      return count(SyncFrame.newBuilder()
          .setPing(Ping.newBuilder().setNonce(nonce).setPong(true)).build());
    }
    if (ackDueAt <= now || nextStatusAt <= now) {
      boolean status = nextStatusAt <= now;
      ackDueAt = Long.MAX_VALUE;
      nextStatusAt = now + config.syncIntervalNanos;
      Ack.Builder ack = Ack.newBuilder()
          .setAppliedSeq(appliedSeq)
          .setContext(Frames.encodeContext(owner.store().context()));
      if (connectedChanged || (status && ++statusAcks % 8 == 0)) {
        connectedChanged = false;
        ack.setConnected(Handshake.peers(owner.connectedIds()));
      }
      return count(SyncFrame.newBuilder().setAck(ack).build());
    }
    if (pingNow || now - Math.max(lastReceivedAt, lastPingAt) >= config.pingIntervalNanos) {
      pingNow = false;
      lastPingAt = now;
      return count(SyncFrame.newBuilder()
          .setPing(Ping.newBuilder().setNonce(++pingNonce)).build());
    }
    if (inFlight.bytes() >= config.maxInFlightBytes) {
      return null;
    }
    boolean pushReady = push.ready(now, config.pushDelayNanos, config.maxBatchBytes,
        config.maxBatchDeltas);
    if (catchUp.requested() && push.isEmpty()) {
      startCatchUp();
    }
    if (pushReady && (!catchUp.active() || !preferCatchUp)) {
      preferCatchUp = true;
      Frames.BatchBuilder b = new Frames.BatchBuilder();
      while (!push.isEmpty() && b.fits(push.peek(), config.maxBatchBytes, config.maxBatchDeltas)) {
        b.add(push.poll());
      }
      return sendBatch(b);
    }
    if (catchUp.active()) {
      preferCatchUp = false;
      Frames.BatchBuilder b = catchUp.fill(sent, config, peerTakesParts,
          d -> owner.oversized(this, d));
      if (!b.isEmpty()) {
        return sendBatch(b);
      }
      if (pushReady) {
        return pollOpen(now);
      }
    }
    return null;
  }

  private SyncFrame sendBatch(Frames.BatchBuilder b) {
    long seq = nextSeq++;
    SyncFrame f = b.build(seq, compressOut ? compression : null);
    int size = f.getSerializedSize();
    inFlight.sent(seq, b.events(), size, lastPollAt);
    batchesOut++;
    deltasOut += b.size();
    bytesOut += size;
    return f;
  }

  private SyncFrame hello() {
    helloSent = true;
    connectedChanged = false;
    Hello h = Handshake.hello(config, owner.store().replicaId(), owner.store().context(),
        owner.knownAddresses(SyncConfig.MAX_KNOWN_PEERS), owner.connectedIds());
    return count(SyncFrame.newBuilder().setHello(h).build());
  }

  private SyncFrame count(SyncFrame f) {
    bytesOut += f.getSerializedSize();
    return f;
  }

  // ---- incoming ---------------------------------------------------------------------------------

  /** Handles one frame (called by the replicator, which applies batches and relays). */
  void receive(SyncFrame frame, int size, long now) throws BadFrameException {
    bytesIn += size;
    lastReceivedAt = now;
    heard = true;
    probeDeadline = Long.MAX_VALUE;
    if (size > config.maxMessageBytes) {
      throw new BadFrameException(Refusal.Code.RESOURCE_EXHAUSTED, String.format(
          java.util.Locale.ROOT, "frame of %d bytes exceeds the limit of %d", size,
          config.maxMessageBytes));
    }
    if (state == State.HANDSHAKE && frame.getBodyCase() != SyncFrame.BodyCase.HELLO
        && frame.getBodyCase() != SyncFrame.BodyCase.GOODBYE) {
      throw Frames.bad("expected a hello first, got %s", frame.getBodyCase());
    }
    switch (frame.getBodyCase()) {
      case HELLO:
        onHello(frame.getHello(), now);
        break;
      case BATCH:
        Frames.DecodedBatch batch = frame.getBatch().getDeflated().isEmpty() || !config.compressBatches
            ? Frames.decode(frame.getBatch(), assembly, config.maxDocumentBytes)
            : Frames.decodeCompressed(frame.getBatch(), compression, config.maxMessageBytes,
                assembly, config.maxDocumentBytes);
        batchesIn++;
        deltasIn += batch.deltas().size();
        if (owner.applyBatch(this, batch, now)) {
          batchDurable(batch.seq(), now);
        }
        break;
      case ACK:
        onAck(frame.getAck(), now);
        break;
      case PING:
        if (!frame.getPing().getPong()) {
          pongOwed = frame.getPing().getNonce();
          wakeup.run();
        }
        break;
      case GOODBYE:
        Goodbye g = frame.getGoodbye();
        Refusal r = new Refusal(Refusal.Code.of(g.getCode()), "peer said: " + g.getReason());
        if (state == State.HANDSHAKE && r.code() == Refusal.Code.FAILED_PRECONDITION
            && g.getReason().equals(Handshake.selfReason(owner.store().replicaId()))) {
          owner.connectedToSelf(this); // our own Hello came back to us as the refusal's subject
          LOG.debug("session {} with {}: peer closed ({})", id, describePeer(), r);
        } else if (state == State.HANDSHAKE && (r.code() == Refusal.Code.PERMISSION_DENIED
            || r.code() == Refusal.Code.FAILED_PRECONDITION)) {
          // The peer refused who this replica is (identity, cluster, version): say so here too,
          // or only the peer's log would tell this replica's operator why it never replicates.
          LOG.warn("session {} with {}: the peer refused this replica in the handshake: {}", id,
              describePeer(), r);
        } else {
          LOG.debug("session {} with {}: peer closed ({})", id, describePeer(), r);
        }
        close(r, false);
        break;
      case BODY_NOT_SET:
      default:
        throw Frames.bad("frame without a body");
    }
  }

  private void onHello(Hello h, long now) throws BadFrameException {
    if (state != State.HANDSHAKE) {
      throw Frames.bad("second hello on one stream");
    }
    if (ReplicaId.of(h.getReplicaId()).equals(owner.store().replicaId())) {
      owner.connectedToSelf(this);
    }
    Handshake.PeerHello p = Handshake.check(h, config, owner.store().replicaId());
    Handshake.checkIdentity(p, certSite, config.siteBindings);
    if (!p.site().isEmpty() && config.siteBindings.siteOf(p.replica()) == null) {
      try {
        config.siteBindings.bind(p.replica(), p.site());
      } catch (java.io.UncheckedIOException e) {
        throw new BadFrameException(Refusal.Code.UNAVAILABLE, "this replica cannot record the "
            + "site of a new peer now (" + e.getMessage() + "); retry later", "identity-store");
      }
    }
    // Everything checked: the session opens.
    peer = p.replica();
    peerSite = p.site();
    peerContext = p.context();
    peerConnected = p.connected();
    compressOut = config.compressBatches && p.acceptsCompression();
    peerTakesParts = p.features().contains(Handshake.DELTA_PARTS);
    state = State.OPEN;
    wasOpen = true;
    nextStatusAt = now + config.syncIntervalNanos;
    owner.opened(this, p.advertised(), p.known(), now);
    if (state == State.OPEN) {
      startCatchUp();
    }
    wakeup.run();
  }

  private void onAck(Ack a, long now) throws BadFrameException {
    if (Long.compareUnsigned(a.getAppliedSeq(), nextSeq) >= 0) {
      throw Frames.bad("ack for batch %s, but only %d were sent",
          Long.toUnsignedString(a.getAppliedSeq()), nextSeq - 1);
    }
    CausalContext context = Frames.decodeContext(a.getContext(), "ack context");
    if (a.hasConnected()) {
      peerConnected = Handshake.decodePeers(a.getConnected());
    }
    peerContext = context;
    CausalContext lost =
        inFlight.acked(a.getAppliedSeq(), context, now - 2 * config.syncIntervalNanos);
    if (!lost.isEmpty()) {
      sent = sent.minus(lost);
    }
    CausalContext missing = owner.store().context().minus(context);
    if (!missing.isEmpty()) {
      missing = missing.minus(sent);
    }
    if (catchUp.missingTwice(missing)) {
      startCatchUp();
    }
    wakeup.run();
  }

  // ---- work from the replicator -----------------------------------------------------------------

  /**
   * The most received batches of one stream that wait for durability at once (Replicator note
   * [3]); past it the driver stops reading the stream until one is durable.
   */
  public static final int MAX_AWAITING_DURABILITY = 8;

  /** Whether the driver may read the next frame: fewer than the maximum batches wait. */
  public boolean mayReceive() {
    return awaitingDurability < MAX_AWAITING_DURABILITY;
  }

  /** A received batch started (+1) or stopped (-1) waiting for durability. */
  void awaitingDurability(int change) {
    awaitingDurability += change;
    if (change < 0) {
      wakeup.run(); // the driver may resume reading
    }
  }

  /** The batch numbered {@code seq} is durable here: the next Ack says so. */
  void batchDurable(long seq, long now) {
    appliedSeq = Math.max(appliedSeq, seq);
    ackDueAt = Math.min(ackDueAt, now + config.ackDelayNanos);
    wakeup.run();
  }

  /** Queues a pushed or relayed delta, unless already sent or the queue is full. */
  void enqueue(OutDelta d, long now) {
    if (state != State.OPEN || d.events().isSubsetOf(sent)) {
      return;
    }
    if (d.delta().size() > config.maxPartBytes) {
      // Too large for one frame's share: catch-up sends it in parts, one delta at a time, which
      // keeps the parts of a delta consecutive on the stream and large blobs out of the queue.
      catchUp.request();
      wakeup.run();
      return;
    }
    if (push.offer(d, now, config.maxQueuedBytes)) {
      sent.addAll(d.events());
      wakeup.run();
    } else {
      droppedPushes++;
      catchUp.request();
    }
  }

  /**
   * Runs a catch-up once the push queue drains: {@code lost} pushes were lost before reaching the
   * queue, and count as dropped.
   */
  void pushesLost(long lost) {
    if (state == State.OPEN) {
      droppedPushes += lost;
      catchUp.request();
      wakeup.run();
    }
  }

  private void startCatchUp() {
    if (state == State.OPEN && !catchUp.active()) {
      catchUp.start(owner.store(), peerContext);
      wakeup.run();
    }
  }

  /**
   * True if the peer holds streams with every replica in {@code origins} (or is one of them): they
   * push their own writes to it, so a relay would be a duplicate.
   */
  boolean peerReaches(Set<ReplicaId> origins) {
    for (ReplicaId r : origins) {
      if (!r.equals(peer) && !peerConnected.contains(r)) {
        return false;
      }
    }
    return true;
  }

  /** This replica's set of open streams changed: tell the peer in the next ack. */
  void connectedChanged(long now) {
    if (state == State.OPEN) {
      connectedChanged = true;
      ackDueAt = Math.min(ackDueAt, now + config.ackDelayNanos);
      wakeup.run();
    }
  }

  /** Asks for a sign of life within the probe timeout (a duplicate stream was refused). */
  void probe(long now) {
    if (state == State.OPEN && probeDeadline == Long.MAX_VALUE) {
      probeDeadline = now + config.probeTimeoutNanos;
      pingNow = true;
      wakeup.run();
    }
  }

  /** Checks the timers; closes a silent session (see {@link #stalled()}). */
  void tick(long now) {
    if (state == State.HANDSHAKE && now - createdAt >= config.handshakeTimeoutNanos) {
      stall(Refusal.of(Refusal.Code.UNAVAILABLE, "handshake not done within %d ms",
          config.handshakeTimeoutNanos / 1_000_000));
    } else if (state == State.OPEN && now - lastReceivedAt >= config.idleTimeoutNanos) {
      stall(Refusal.of(Refusal.Code.UNAVAILABLE,
          "stream stalled: nothing heard from the peer for %d ms (idle timeout %d ms)",
          (now - lastReceivedAt) / 1_000_000, config.idleTimeoutNanos / 1_000_000));
    } else if (state == State.OPEN && now >= probeDeadline) {
      stall(new Refusal(Refusal.Code.UNAVAILABLE, "peer did not answer a probe"));
    } else if (hasWork(now)) {
      wakeup.run();
    }
  }

  private void stall(Refusal why) {
    stalled = true;
    owner.stalled(this);
    close(why, true);
  }

  private boolean hasWork(long now) {
    if (state != State.OPEN) {
      return state == State.CLOSING || (state == State.HANDSHAKE && outbound && !helloSent);
    }
    return !helloSent || pongOwed >= 0 || ackDueAt <= now || nextStatusAt <= now || pingNow
        || now - Math.max(lastReceivedAt, lastPingAt) >= config.pingIntervalNanos
        || (inFlight.bytes() < config.maxInFlightBytes && (catchUp.active()
            || push.ready(now, config.pushDelayNanos, config.maxBatchBytes, config.maxBatchDeltas)
            || (catchUp.requested() && push.isEmpty())));
  }

  /**
   * The next time {@link #tick} has something to do, or Long.MAX_VALUE. Timeouts count even when
   * past; send times count only when still ahead of {@code now}, since work already due waits for
   * the driver's next pump (it pumps after every event and whenever the stream becomes ready).
   */
  long deadline(long now) {
    switch (state) {
      case HANDSHAKE:
        return createdAt + config.handshakeTimeoutNanos;
      case OPEN:
        long t = Math.min(lastReceivedAt + config.idleTimeoutNanos, probeDeadline);
        t = Math.min(t, future(ackDueAt, now));
        t = Math.min(t, future(nextStatusAt, now));
        t = Math.min(t, future(Math.max(lastReceivedAt, lastPingAt) + config.pingIntervalNanos, now));
        return Math.min(t, future(push.deadline(config.pushDelayNanos), now));
      default:
        return Long.MAX_VALUE;
    }
  }

  private static long future(long t, long now) {
    return t > now ? t : Long.MAX_VALUE;
  }

  /**
   * Starts closing: {@code tellPeer} queues a Goodbye with the reason. Releases the push queue, the
   * in-flight record and the catch-up walk.
   */
  void close(Refusal why, boolean tellPeer) {
    if (state == State.CLOSING || state == State.CLOSED) {
      return;
    }
    closeReason = why;
    goodbyeOwed = tellPeer;
    state = State.CLOSING;
    release();
    wakeup.run();
  }

  /** The stream ended under the session (transport error or remote close). */
  void ended(Refusal why) {
    if (closeReason == null) {
      closeReason = why;
    }
    state = State.CLOSED;
    release();
  }

  private void release() {
    compression.end();
    assembly.clear();
    push.clear();
    inFlight.clear();
    catchUp.close();
  }

  void countRejected() {
    rejected++;
  }

  boolean wasOpen() {
    return wasOpen;
  }

  /** The peer's last reported store context. */
  CausalContext peerContext() {
    return peerContext;
  }

  /** A snapshot of this session's counters. */
  PeerStats stats(CausalContext local) {
    long lag = peer == null ? 0 : local.minus(peerContext).dotCount();
    return new PeerStats(peer, address, outbound, state.name(), lag, bytesIn, bytesOut, deltasIn,
        deltasOut, batchesIn, batchesOut, rejected, droppedPushes, catchUp.walks(), push.bytes(),
        inFlight.bytes(), heard ? lastReceivedAt : -1);
  }

  String describePeer() {
    return (peer == null ? "?" : peer.toString()) + "@" + address;
  }

  @Override
  public String toString() {
    return "SyncSession[" + id + (outbound ? " to " : " from ") + describePeer() + ", " + state
        + "]";
  }
}
