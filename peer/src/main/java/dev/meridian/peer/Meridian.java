package dev.meridian.peer;

import com.google.common.base.Preconditions;
import com.google.common.base.Throwables;
import com.google.common.collect.ImmutableList;
import dev.meridian.crdt.doc.Document;
import dev.meridian.peer.config.HostPort;
import dev.meridian.persistence.DocStore;
import dev.meridian.persistence.Durability;
import dev.meridian.persistence.KeyPage;
import dev.meridian.persistence.Backups;
import dev.meridian.persistence.ReopeningStore;
import dev.meridian.persistence.StoreOptions;
import dev.meridian.transport.grpc.ReplicationNode;
import dev.meridian.transport.grpc.TlsSettings;
import dev.meridian.transport.sync.SiteBindings;
import dev.meridian.crdt.doc.KeyedDelta;
import dev.meridian.transport.sync.KnownAddress;
import dev.meridian.transport.sync.PeerStats;
import dev.meridian.transport.sync.SyncConfig;
import io.grpc.ServerServiceDefinition;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Meridian peer: one replica's documents, kept on disk and replicated to other peers, so that
 * every peer converges to the same documents without coordination.
 *
 * <p>Every document is a JSON-like tree of convergent types (see {@link Document}). Writes are
 * local and never wait for another peer: {@link #update} applies at once and completes when the
 * write is durable here; replication ships it to the peers in the background (within milliseconds
 * when they are connected, on reconnect when not). What wins on conflict is each type's rule: a
 * register keeps concurrent values and shows the one with the later hybrid-clock timestamp (then
 * the higher replica id); counters add up; a set's add wins over a concurrent remove of the same
 * element, a flag's enable over a concurrent disable; removing a key or {@linkplain #delete
 * deleting} a document removes what this peer had seen, so concurrent writes elsewhere survive.
 *
 * <pre>{@code
 * try (Meridian store = Meridian.builder().dataDir(Path.of("data")).open()) {
 *   store.update("users/ada", doc -> doc.set("name", "Ada")).join();
 *   store.get("users/ada").map(Document::toJson);   // {"name":"Ada"}
 * }
 * }</pre>
 *
 * <p>Thread-safe. Writes to one document apply in the order their calls are made.
 */
public final class Meridian implements AutoCloseable {
  /*
   * Design notes.
   * [1] Layout: <data dir>/store holds the DocStore (journal + MapDB files, its own lock), and
   *     <data dir>/site the site name, <data dir>/peer-sites the site each peer replica id was
   *     first seen under (transport's SiteBindings), so the store directory holds nothing foreign.
   * [2] One gRPC port serves replication (peers), the client API, health and reflection; under
   *     mutual TLS clients present certificates too.
   * [3] An empty document reads as absent: delete removes every top-level value (observed-remove),
   *     which leaves an empty document that concurrent writes elsewhere may fill again.
   */
  private static final Logger LOG = LoggerFactory.getLogger(Meridian.class);
  /** Most documents one {@link #list} call reads (the work per call is bounded by it). */
  public static final int LIST_SCAN = 10_000;
  /** Changes a watcher may fall behind before its watch ends. */
  public static final int WATCH_BACKLOG = 10_000;
  /** The {@link PeerStats#state()} of a configured peer with no replication stream now. */
  public static final String DOWN = "DOWN";
  private static final Pattern SITE = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private final DocStore store;
  private final String site;
  private final StoreReplica replica;
  private final Watches watches;
  private final PeerMetrics metrics;
  private final List<String> configuredPeers;
  private final HealthStatusManager health = new HealthStatusManager();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final ExecutorService completions = Executors.newFixedThreadPool(
          Math.max(2, Runtime.getRuntime().availableProcessors()), r -> {
            Thread t = new Thread(r, "meridian-complete");
            t.setDaemon(true);
            return t;
          });
  private volatile ReplicationNode node;
  private volatile dev.meridian.peer.access.AccessControl access;
  private volatile String listenAddress = "";
  private volatile Path backupStaging;
  private volatile DocumentSizeLimit sizeLimit = new DocumentSizeLimit(DocumentSizeLimit.DEFAULT_BYTES);

  private Meridian(DocStore store, String site, List<String> peers, MeterRegistry meters) {
    this.store = store;
    this.site = site;
    this.metrics = new PeerMetrics(meters);
    this.configuredPeers = ImmutableList.copyOf(peers);
    this.watches = new Watches(this::get, store::context, store::changedSince, WATCH_BACKLOG);
    this.replica = new StoreReplica(store, watches::publish);
    // Local writes reach peers and watchers once durable, whatever the durability mode.
    store.subscribe(w -> replica.localWriteDurable(KeyedDelta.of(w.key(), w.delta())));
  }

  /** A builder with the defaults: {@code ./meridian-data}, no network, durable writes. */
  public static Builder builder() {
    return new Builder();
  }

  /** Opens a peer with every default: a local store in {@code ./meridian-data}, no network. */
  public static Meridian open() throws IOException {
    return builder().open();
  }

  // ---- documents --------------------------------------------------------------------------------

  /**
   * The document at {@code key}: a read-only copy (unbound, so its mutators throw), or empty if no
   * write ever reached it or it shows no value (deleted, or every value removed).
   *
   * @throws IllegalArgumentException for a bad key (empty, over 1,024 bytes, not valid UTF-16)
   */
  public Optional<Document> get(String key) {
    return store.get(key).filter(Document::hasValues);
  }

  /**
   * Writes to the document at {@code key} (created empty if absent). {@code edit} receives the live
   * document, calls its mutators ({@code set}, {@code increment}, {@code add}, {@code insert}, ...)
   * and returns their delta: one mutator's return value, or several joined into the first (
   * {@code d1.join(d2)}). Every change its mutators make is recorded, returned or not; call only
   * mutators on the live document (a delta joined into it is not recorded). It runs under the
   * document's lock: keep it short and do not keep the document. If it throws, nothing is written
   * (the document is as before) and the future fails with that exception (an {@link Error}
   * propagates from this call instead).
   *
   * @return completes when the write is durable at this peer (per the {@link Durability}); fails
   *     with an {@link IllegalArgumentException} and writes nothing if the document would exceed
   *     the maximum document size ({@link Builder#maxDocumentBytes})
   * @throws IllegalArgumentException for a bad key
   */
  public CompletableFuture<Void> update(String key, Function<Document, Document> edit) {
    return handOff(updateUnhanded(key, edit));
  }

  /**
   * As {@link #update}, but the future completes on the journal's notifier thread: for callers
   * whose continuation only enqueues (a gRPC reply), so a write costs no extra thread hop.
   */
  CompletableFuture<Void> updateUnhanded(String key, Function<Document, Document> edit) {
    Objects.requireNonNull(edit, "edit");
    checkOpen();
    long start = System.nanoTime();
    return store.update(key, sizeLimit.guard(key, edit)).thenApply(delta -> {
      if (!delta.context().isEmpty()) {
        metrics.committed(System.nanoTime() - start);
      }
      return null;
    });
  }

  /** An edit of the document at {@code key}, for {@link #updateAll}; as {@link #update}'s. */
  public record Edit(String key, Function<Document, Document> edit) {
    /** Checks that both are given. */
    public Edit {
      Objects.requireNonNull(key, "key");
      Objects.requireNonNull(edit, "edit");
    }
  }

  /**
   * Applies many edits, each to its own document and each as {@link #update} would apply it (all
   * or none), in order: the way to write at high rates. The batch is not atomic: an edit that fails
   * (its function throws, a bad key, a document past the size limit) changes nothing and the others
   * still apply. Edits share the store's group commits and complete together.
   *
   * @return completes once every edit is durable or failed, with one entry per edit, in order:
   *     null for an edit that is durable, else its failure
   */
  public CompletableFuture<List<Throwable>> updateAll(List<Edit> edits) {
    checkOpen();
    long start = System.nanoTime();
    Throwable[] outcomes = new Throwable[edits.size()];
    CompletableFuture<?>[] done = new CompletableFuture<?>[edits.size()];
    for (int i = 0; i < done.length; i++) {
      Edit e = edits.get(i);
      int at = i;
      CompletableFuture<Document> f;
      try {
        f = store.update(e.key(), sizeLimit.guard(e.key(), e.edit()));
      } catch (RuntimeException ex) {
        f = CompletableFuture.failedFuture(ex);
      }
      done[i] = f.handle((delta, t) -> {
        if (t != null) {
          outcomes[at] = t instanceof CompletionException && t.getCause() != null
              ? t.getCause() : t;
        } else if (!delta.context().isEmpty()) {
          metrics.committed(System.nanoTime() - start);
        }
        return null;
      });
    }
    return handOff(CompletableFuture.allOf(done).thenApply(v -> Arrays.asList(outcomes)));
  }

  /**
   * Deletes the document at {@code key}: removes every value this peer has seen in it. Writes made
   * concurrently at other peers, not yet seen here, survive and will show.
   *
   * @return completes with whether there was anything to delete, once durable
   * @throws IllegalArgumentException for a bad key
   */
  public CompletableFuture<Boolean> delete(String key) {
    checkOpen();
    boolean[] existed = new boolean[1];
    return handOff(store.update(key, doc -> {
      List<Function<Document, Document>> removals = new ArrayList<>();
      for (String field : doc.asMap().keySet()) {
        String path = dev.meridian.crdt.doc.Path.ofKeys(List.of(field)).toString();
        removals.add(d -> d.remove(path));
      }
      Document delta = applyAll(doc, removals);
      existed[0] = delta != null;
      return delta == null ? Document.empty() : delta;
    }).thenApply(delta -> {
      if (!delta.context().isEmpty()) {
        metrics.deletes.increment();
      }
      return existed[0];
    }));
  }

  /** Applies {@code edits} to {@code doc} in order; returns their deltas joined, or null if none. */
  static Document applyAll(Document doc, List<Function<Document, Document>> edits) {
    Document delta = null;
    for (Function<Document, Document> edit : edits) {
      Document d = edit.apply(doc);
      if (delta == null) {
        delta = d;
      } else {
        delta.join(d);
      }
    }
    return delta;
  }

  /**
   * The caller's view of a store future: completed on this peer's completion threads, so the
   * caller's dependent stages (a gRPC reply, say) never run on the journal's commit thread and
   * hold up the next group commit. Announcements to replication and watchers stay on the commit
   * thread, in commit order; they only enqueue.
   */
  private <T> CompletableFuture<T> handOff(CompletableFuture<T> f) {
    if (f.isDone()) {
      return f; // failed at once, a no-op, or ASYNC durability: no hop needed
    }
    CompletableFuture<T> out = new CompletableFuture<>();
    f.whenComplete((v, t) -> {
      Runnable settle = () -> {
        if (t == null) {
          out.complete(v);
        } else {
          out.completeExceptionally(
              t instanceof CompletionException && t.getCause() != null ? t.getCause() : t);
        }
      };
      try {
        completions.execute(settle);
      } catch (RejectedExecutionException closing) {
        settle.run();
      }
    });
    return out;
  }

  /**
   * One page of the keys starting with {@code prefix} that hold a non-empty document, ascending.
   *
   * A call reads at most {@link #LIST_SCAN} documents: past that (many deleted documents between
   * the keys) it returns the keys found so far, possibly none, with a {@link Page#next()} to go on.
   *
   * @param after the {@link Page#next()} of the previous page, or null for the first
   * @param limit at most this many keys, 1 to 10,000
   */
  public Page list(String prefix, String after, int limit) {
    Preconditions.checkArgument(limit >= 1 && limit <= 10_000, "limit must be 1 to 10,000: %s",
        limit);
    Objects.requireNonNull(prefix, "prefix");
    checkOpen();
    List<String> keys = new ArrayList<>();
    String cursor = after;
    int read = 0;
    while (true) {
      KeyPage page = store.list(prefix, cursor, Math.min(limit - keys.size(), LIST_SCAN - read));
      for (String k : page.keys()) {
        if (store.peek(k).filter(Document::hasValues).isPresent()) { // a scan: no caching
          keys.add(k);
        }
        cursor = k;
        read++;
      }
      if (page.next() == null) {
        return new Page(keys, null);
      }
      if (keys.size() == limit || read >= LIST_SCAN) {
        return new Page(keys, cursor);
      }
    }
  }

  /**
   * Watches the documents whose key starts with {@code prefix} ("" for all): {@code watcher} hears
   * of every later change, local or received from a peer, once durable here (see {@link Watcher}).
   *
   * @return closes the watch
   */
  public Watch watch(String prefix, Watcher watcher) {
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(watcher, "watcher");
    checkOpen();
    return watches.add(prefix, null, watcher);
  }

  /**
   * Resumes a watch from a {@link Change#cursor() cursor}: first every document under {@code
   * prefix} changed since the cursor (one {@link Change.Origin#RESUMED} change per document, in no
   * particular order, however many writes it took), then {@link Watcher#onCaughtUp}, then live
   * changes as {@link #watch(String, Watcher)} gives them. A cursor of any peer of the cluster
   * works here; nothing is collected yet, so a cursor never expires.
   *
   * @throws IllegalArgumentException if {@code cursor} is not one a watch gave out
   */
  public Watch watch(String prefix, String cursor, Watcher watcher) {
    Objects.requireNonNull(prefix, "prefix");
    Objects.requireNonNull(cursor, "cursor");
    Objects.requireNonNull(watcher, "watcher");
    checkOpen();
    return watches.add(prefix, Cursors.decode(cursor), watcher);
  }

  /** Waits until every write made so far is durable (useful with {@link Durability#ASYNC}). */
  public void flush() {
    store.flush();
  }

  // ---- the peer ---------------------------------------------------------------------------------

  /** The site name (a label for people; the replica id names this peer's writes). */
  public String site() {
    return site;
  }

  /** The replica id, 16 hex digits. */
  public String replicaId() {
    return store.replica().id().toString();
  }

  /** The host:port replication and the client API listen on, or "" without a server. */
  public String listenAddress() {
    return listenAddress;
  }

  /**
   * Writes a consistent backup of this peer's store into {@code target} (absent or empty) while
   * writes go on: it holds every write acknowledged before the call. {@code meridian restore}
   * makes a data directory of it with a new replica id.
   *
   * @throws UnsupportedOperationException if this peer's store is not on disk
   * @throws IOException if the target is not empty, the store has failed, or a copy fails
   */
  public Backups.Taken backup(Path target) throws IOException {
    if (!(store instanceof ReopeningStore disk)) {
      throw new UnsupportedOperationException("this peer's store is in memory: nothing to back up");
    }
    return disk.backup(target);
  }

  /** Where the client API stages the backups it streams (in the data directory), or null. */
  Path backupStaging() {
    return backupStaging;
  }

  /** What this peer knows of itself and its peers now. */
  public Status status() {
    return new Status(site, replicaId(), listenAddress, store.count(), store.sizeOnDisk(),
        metrics.writes.sum(), configuredPeers, peerStats());
  }

  /**
   * One entry per replication stream, then one per configured peer that has no open stream (in
   * either direction) and none being opened to its address: state {@link #DOWN}, lag -1 (unknown),
   * the replica last found there if any. An address found to be this peer's own is left out.
   */
  /**
   * What this peer refused from other peers so far, by kind ("certificate", "impersonation",
   * "own-dots", "frame"...: see {@link ReplicationNode#refusalsByKind()}); empty without
   * replication.
   */
  public Map<String, Long> replicationRefusals() {
    ReplicationNode n = node;
    return n == null ? Map.of() : n.refusalsByKind();
  }

  private List<PeerStats> peerStats() {
    ReplicationNode n = node;
    if (n == null) {
      return List.of();
    }
    List<PeerStats> streams = n.peers();
    Map<String, KnownAddress> known = new HashMap<>();
    for (KnownAddress k : n.knownAddresses()) {
      known.put(k.address(), k);
    }
    List<PeerStats> out = new ArrayList<>(streams);
    for (String address : configuredPeers) {
      KnownAddress k = known.get(address);
      if (k == null || k.self()) {
        continue; // our own address: dropped by the directory, or found by dialling it
      }
      boolean up = streams.stream().anyMatch(p -> p.outbound() && address.equals(p.address())
          || k.replica() != null && k.replica().equals(p.peer()) && "OPEN".equals(p.state()));
      if (!up) {
        out.add(new PeerStats(k.replica(), address, true, DOWN, -1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            0, -1));
      }
    }
    return out;
  }

  /**
   * Calls and streams refused for who made them so far, by reason: the access control's ({@code
   * no-credential}, {@code unknown-token}, {@code not-granted}...: see {@link
   * dev.meridian.peer.access.AccessControl.Refusal#reason()}), {@code replication-certificate}
   * for replication streams refused for their certificate, and {@code tls-handshake} for TLS
   * handshakes the server refused (whether or not the peer has an access file). Empty reasons are
   * left out.
   */
  public Map<String, Long> authRefusals() {
    Map<String, Long> out = new java.util.TreeMap<>();
    dev.meridian.peer.access.AccessControl a = access;
    if (a != null) {
      out.putAll(a.refusals());
    }
    ReplicationNode n = node;
    if (n != null && n.identityRefusals() > 0) {
      out.put("replication-certificate", n.identityRefusals());
    }
    if (n != null && n.tlsHandshakeRefusals() > 0) {
      out.put("tls-handshake", n.tlsHandshakeRefusals());
    }
    return out;
  }

  /** The access control of this peer's port, if it has one (see {@link Builder#accessControl}). */
  public Optional<dev.meridian.peer.access.AccessControl> accessControl() {
    return Optional.ofNullable(access);
  }

  /** Counters and gauges for monitoring (also in the registry of {@link Builder#meterRegistry}). */
  public PeerMetrics metrics() {
    return metrics;
  }

  /**
   * Writes this peer's metrics in the Prometheus text format (version 0.0.4).
   */
  public void writeMetrics(StringBuilder out) {
    out.append(metrics.scrape());
  }

  /**
   * Stops replication (telling connected peers goodbye), ends every watch, makes every write
   * durable and releases the data directory. Idempotent.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    health.enterTerminalState();
    // Watches first: their streams end with a status while the server still runs, instead of
    // being reset by its shutdown.
    watches.close();
    ReplicationNode n = node;
    if (n != null) {
      n.close();
    }
    store.close();
    metrics.close();
    completions.shutdown();
    if (access != null) {
      access.close();
    }
    LOG.info("peer {} ({}) closed", site, replicaId());
  }

  /** True once {@link #close()} has begun. */
  boolean isClosed() {
    return closed.get();
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("this Meridian store is closed");
    }
  }

  // ---- API types --------------------------------------------------------------------------------

  /** A watch; {@link #close()} stops it. */
  @FunctionalInterface
  public interface Watch extends AutoCloseable {
    /** Ends the watch; the watcher's {@link Watcher#onEnd} follows. Idempotent. */
    @Override
    void close();
  }

  /**
   * One page of keys.
   *
   * @param keys ascending
   * @param next pass as {@code after} for the next page; null on the last page
   */
  public record Page(List<String> keys, String next) {
    /** Copies the keys. */
    public Page {
      keys = List.copyOf(keys);
    }
  }

  /**
   * A snapshot of a peer's state.
   *
   * @param site the site name
   * @param replicaId this peer's replica id
   * @param listenAddress host:port served, or ""
   * @param documents documents held, including empty (deleted) ones
   * @param sizeOnDisk bytes in the data directory's store
   * @param localWrites writes made through this peer since it opened
   * @param configuredPeers the peer addresses it dials
   * @param peers one entry per replication stream (open, opening or closing), then one per
   *     configured peer with no open stream either way, in state {@link #DOWN} with lag -1
   */
  public record Status(String site, String replicaId, String listenAddress, long documents,
      long sizeOnDisk, long localWrites, List<String> configuredPeers, List<PeerStats> peers) {}

  // ---- opening ----------------------------------------------------------------------------------

  /**
   * How to open a peer. Every setting has a default; {@link #open()} checks them all.
   */
  public static final class Builder {
    private Path dataDir = Path.of("meridian-data");
    private String site;
    private String listen;
    private List<String> peers = List.of();
    private TlsSettings tls = TlsSettings.plaintext();
    private Durability durability = Durability.DURABLE;
    private String cluster = "meridian";
    private UnaryOperator<SyncConfig.Builder> syncTuning = UnaryOperator.identity();
    private long maxDocumentBytes = DocumentSizeLimit.DEFAULT_BYTES;
    private boolean insecurePlaintext;
    private dev.meridian.peer.access.AccessControl accessControl;
    private MeterRegistry meterRegistry;

    private Builder() {}

    /**
     * Also registers the peer's meters ({@link PeerMetrics}) in {@code registry}, the host
     * application's (default: none; the peer's own Prometheus rendering works either way). The
     * meters are removed from it when the peer closes. One open peer per registry: {@link
     * #open()} refuses a registry that holds another open peer's meters.
     */
    public Builder meterRegistry(MeterRegistry registry) {
      this.meterRegistry = Objects.requireNonNull(registry, "registry");
      return this;
    }

    /**
     * Guards the port with {@code control} (default: none, every caller may do everything): the
     * client API and reflection need a credential and, for documents, grants; replication needs a
     * peer certificate naming {@code meridian-peer:<site>} on both ends ({@link
     * TlsSettings#requiringPeerCertificates()}); health stays open. The peer closes {@code
     * control} when it closes (or fails to open).
     */
    public Builder accessControl(dev.meridian.peer.access.AccessControl control) {
      this.accessControl = Objects.requireNonNull(control, "control");
      return this;
    }

    /**
     * Lets the peer listen beyond loopback without TLS (default false): for a network you trust
     * entirely. Without it, {@link #open()} refuses a non-loopback listen address in plaintext.
     */
    public Builder insecurePlaintext(boolean insecure) {
      this.insecurePlaintext = insecure;
      return this;
    }

    /**
     * The largest document a local write may produce, in encoded bytes (default 32 MiB); a write
     * past it fails and changes nothing. Replication accepts documents of twice this size, so
     * that concurrent writes at two sites, each within the limit, still replicate.
     */
    public Builder maxDocumentBytes(long bytes) {
      Preconditions.checkArgument(bytes >= 1024 && bytes <= (1L << 29),
          "max document size must be 1 KiB to 512 MiB: %s", bytes);
      this.maxDocumentBytes = bytes;
      return this;
    }

    /** The data directory (created if absent); default {@code ./meridian-data}. */
    public Builder dataDir(Path dir) {
      this.dataDir = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /**
     * The site name, 1 to 64 of {@code [A-Za-z0-9._-]}; default: the name this data directory was
     * given before, else a generated one ({@code site-} and 6 hex digits). Kept in the data
     * directory.
     */
    public Builder site(String name) {
      this.site = name;
      return this;
    }

    /**
     * The host:port to serve replication and the client API on ({@code 127.0.0.1:0} picks a free
     * port); default: none, a peer that only dials.
     */
    public Builder listen(String hostPort) {
      this.listen = hostPort;
      return this;
    }

    /** Peer addresses (host:port) to dial; default none. */
    public Builder peers(List<String> addresses) {
      this.peers = List.copyOf(addresses);
      return this;
    }

    /** Transport security for replication and the API; default plaintext (trusted networks). */
    public Builder tls(TlsSettings settings) {
      this.tls = Objects.requireNonNull(settings, "settings");
      return this;
    }

    /** When {@link #update} completes; default {@link Durability#DURABLE} (after fsync). */
    public Builder durability(Durability d) {
      this.durability = Objects.requireNonNull(d, "durability");
      return this;
    }

    /** The cluster id every peer must present; default {@code meridian}. */
    public Builder cluster(String id) {
      this.cluster = Objects.requireNonNull(id, "id");
      return this;
    }

    /** Adjusts replication timing (tests, benchmarks); applied after the other settings. */
    public Builder syncTuning(UnaryOperator<SyncConfig.Builder> tuning) {
      this.syncTuning = Objects.requireNonNull(tuning, "tuning");
      return this;
    }

    /**
     * Opens the peer: recovers or creates the store, then starts replication if it listens or has
     * peers.
     *
     * @throws IllegalArgumentException for a bad setting (site name, address), or a listen
     *     address beyond loopback in plaintext without {@link #insecurePlaintext} or under the
     *     default cluster id
     * @throws IOException if the data directory cannot be used (locked by another process,
     *     corrupt, not a Meridian directory) or the address cannot be bound (in use)
     */
    public Meridian open() throws IOException {
      if (site != null) {
        Preconditions.checkArgument(SITE.matcher(site).matches(),
            "site name '%s' must be 1 to 64 of A-Z a-z 0-9 . _ -", site);
      }
      InetSocketAddress bind = null;
      if (listen != null) {
        HostPort a = hostPort("listen", listen);
        bind = new InetSocketAddress(a.host(), a.port());
        if (bind.isUnresolved()) {
          throw new IllegalArgumentException("listen: cannot resolve host '" + a.host() + "'");
        }
        if (!bind.getAddress().isLoopbackAddress()) {
          Preconditions.checkArgument(tls.isSecure() || insecurePlaintext, "listen: %s is beyond"
              + " loopback and TLS is off: set TLS, or insecurePlaintext(true) on a network you"
              + " trust entirely", listen);
          Preconditions.checkArgument(!cluster.equals("meridian"), "listen: %s is beyond loopback"
              + " and needs a cluster id of its own, not the default 'meridian'", listen);
        }
      }
      for (String p : peers) {
        hostPort("peer", p);
      }
      Preconditions.checkArgument(accessControl == null || peers.isEmpty() || tls.isSecure(),
          "peers under access control replicate only with peer certificates: set TLS");
      if (Files.exists(dataDir) && !Files.isDirectory(dataDir)) {
        throw new IOException("data directory " + dataDir + " is a file, not a directory");
      }
      boolean fresh; // created by this call: only then is it ours to remove on failure
      try {
        Path parent = dataDir.toAbsolutePath().getParent();
        if (parent != null) {
          Files.createDirectories(parent);
        }
        Files.createDirectory(dataDir); // atomic: of two peers starting at once, one creates it
        fresh = true;
      } catch (FileAlreadyExistsException e) {
        fresh = false;
      }
      ReopeningStore docs;
      try {
        docs = ReopeningStore.open(
            StoreOptions.in(dataDir.resolve("store")).durability(durability).build());
      } catch (IOException | RuntimeException | Error e) {
        removeIfFresh(fresh, dataDir);
        throw e;
      }
      Meridian m = null;
      try {
        String name = siteName(dataDir, site, docs.replica().id().toString());
        m = new Meridian(docs, name, peers, meterRegistry);
        m.backupStaging = BackupStream.clearStaging(dataDir);
        m.sizeLimit = new DocumentSizeLimit(maxDocumentBytes);
        m.access = accessControl;
        m.start(bind, this);
        m.metrics.bind(m, m.replica, docs, m::peerStats);
        LOG.info("peer {} ({}) open in {}{}", name, m.replicaId(), dataDir.toAbsolutePath(),
            m.listenAddress.isEmpty() ? "" : ", serving " + m.listenAddress);
        return m;
      } catch (IOException | RuntimeException | Error e) {
        if (m != null) {
          m.close();
        } else {
          docs.close();
          if (accessControl != null) {
            accessControl.close();
          }
        }
        removeIfFresh(fresh, dataDir);
        throw e;
      }
    }
  }

  /**
   * Removes {@code dir} if this open created it: a peer that failed to start (a port taken
   * between the check and the bind, bad TLS files) has acknowledged nothing, and should leave no
   * replica behind that the next start would take for its own.
   */
  private static void removeIfFresh(boolean fresh, Path dir) {
    if (!fresh) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException | UncheckedIOException e) {
      LOG.warn("could not remove {}, created by a peer that failed to start", dir, e);
    }
  }

  private void start(InetSocketAddress bind, Builder b) throws IOException {
    if (bind == null && b.peers.isEmpty()) {
      return;
    }
    SyncConfig.Builder sync = SyncConfig.builder(b.cluster).peers(b.peers)
        .maxDocumentBytes(2 * b.maxDocumentBytes).site(site)
        .siteBindings(SiteBindings.file(b.dataDir.resolve("peer-sites")));
    if (bind != null && bind.getPort() != 0) {
      sync.advertisedAddress(format(bind));
    }
    SyncConfig config = b.syncTuning.apply(sync).build();
    ServerServiceDefinition api = DocumentsService.definition(this);
    ServerServiceDefinition reflection = ProtoReflectionServiceV1.newInstance().bindService();
    TlsSettings tls = b.tls;
    if (access != null) {
      api = io.grpc.ServerInterceptors.intercept(api, access.interceptor());
      reflection = io.grpc.ServerInterceptors.intercept(reflection, access.interceptor());
      tls = tls.requiringPeerCertificates();
    }
    List<ServerServiceDefinition> services = bind == null ? List.of()
        : List.of(api, health.getHealthService().bindService(), reflection);
    try {
      node = ReplicationNode.startNetty(replica, config, tls, bind, services);
    } catch (IOException e) {
      throw cannotListen(bind, e);
    }
    if (bind != null) {
      listenAddress = HostPort.of(bind.getHostString(), node.port()).toString();
      health.setStatus("", ServingStatus.SERVING);
      health.setStatus("meridian.peer.v1.Documents", ServingStatus.SERVING);
    }
  }

  private static IOException cannotListen(InetSocketAddress bind, IOException e) {
    if (Throwables.getCausalChain(e).stream().anyMatch(t -> t instanceof BindException
        || String.valueOf(t.getMessage()).contains("already in use"))) {
      return new IOException("cannot listen on " + format(bind)
          + ": address already in use (is another peer running there?)", e);
    }
    return new IOException("cannot serve on " + format(bind) + ": " + e.getMessage(), e);
  }

  /** {@link HostPort#parse}, its message prefixed with what the address is for. */
  private static HostPort hostPort(String what, String text) {
    try {
      return HostPort.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(what + ": " + e.getMessage(), e);
    }
  }

  private static String format(InetSocketAddress a) {
    return HostPort.of(a.getHostString(), a.getPort()).toString();
  }

  /**
   * Internal, for the peer testkit through {@link TestkitAccess}: a peer on {@code store} with no
   * server and no dialling; its caller drives replication through {@link #replicaStore()}.
   */
  static Meridian embedded(DocStore store, String site) {
    return new Meridian(store, site, List.of(), null);
  }

  /** Internal, for the peer testkit: replication's view of this peer's store. */
  dev.meridian.transport.store.ReplicaStore replicaStore() {
    return replica;
  }

  /** The site name: the one given (recorded), else the recorded one, else a generated one. */
  private static String siteName(Path dataDir, String given, String replicaId) throws IOException {
    Path file = dataDir.resolve("site");
    String recorded = Files.exists(file)
        ? Files.readString(file, StandardCharsets.UTF_8).trim() : null;
    String name = given != null ? given
        : recorded != null && SITE.matcher(recorded).matches() ? recorded
        : "site-" + replicaId.substring(replicaId.length() - 6);
    if (!name.equals(recorded)) {
      Path tmp = dataDir.resolve("site.tmp");
      Files.writeString(tmp, name + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
    return name;
  }
}
