package dev.meridian.peer;

import com.google.common.base.Suppliers;
import dev.meridian.persistence.DocStore;
import dev.meridian.persistence.MapDbDocStore;
import dev.meridian.persistence.ReopeningStore;
import dev.meridian.persistence.StoreStats;
import dev.meridian.transport.sync.PeerStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;
import java.util.function.ToLongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A peer's meters, registered through Micrometer: always in a Prometheus registry of the peer's
 * own (rendered by {@link Meridian#writeMetrics} and the daemon's {@code /metrics}), and also in
 * the host application's registry when the peer was built with {@link
 * Meridian.Builder#meterRegistry}. Counters only grow; gauges are read when a registry publishes.
 *
 * <p>Prometheus names (Micrometer's dotted names with its Prometheus naming convention): {@code
 * meridian_writes_total}, {@code meridian_deletes_total}, {@code meridian_commit_seconds}
 * (histogram: from {@link Meridian#update} to durable), {@code meridian_deltas_received_total},
 * {@code meridian_deltas_new_total} (received deltas that taught this peer something), {@code
 * meridian_deltas_served_total} (catch-up deltas read for peers), {@code meridian_documents},
 * {@code meridian_store_bytes}, {@code meridian_journal_records_total}, {@code
 * meridian_journal_fsyncs_total}, {@code meridian_checkpoints_total}, {@code
 * meridian_journal_bytes}, {@code meridian_journal_backlog_bytes}, and per replication stream
 * ({@code peer}, {@code address}, {@code direction} tags): {@code meridian_peer_up} (also 0 for
 * each configured peer with no stream), {@code meridian_peer_lag_writes}, {@code
 * meridian_peer_deltas_in_total}, {@code meridian_peer_deltas_out_total}, {@code
 * meridian_peer_bytes_in_total}, {@code meridian_peer_bytes_out_total} (counters that restart with
 * each stream), {@code meridian_peer_queued_bytes}; {@code meridian_replication_refusals_total} by
 * {@code kind}, {@code meridian_auth_refused_total} by {@code reason} (see {@link
 * Meridian#authRefusals()}), under access control {@code meridian_access_file_errors_total}, and
 * {@code meridian_info} (1, tagged with the site and replica id).
 *
 * <p>The per-stream meters and the tags of refusals come and go with the streams and the kinds
 * seen: they are brought up to date before each Prometheus rendering and, with a host registry,
 * once a second ({@link #REFRESH}). A stream's meters are removed when the stream is gone; a
 * stream whose lag is unknown has no lag meter.
 */
public final class PeerMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(PeerMetrics.class);
  /** How often the per-stream meters of a host registry are brought up to date. */
  static final Duration REFRESH = Duration.ofSeconds(1);

  /** Upper bounds of the commit latency buckets. */
  private static final Duration[] BOUNDS = {
      Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000),
      Duration.ofMillis(1), Duration.ofNanos(2_500_000), Duration.ofMillis(5),
      Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
      Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofMillis(2500)};

  /** A per-stream meter: its name, whether it is a counter, its description and its value. */
  private record StreamMeter(String name, boolean counter, String help,
      ToLongFunction<List<PeerStats>> value) {}

  private static final List<StreamMeter> STREAM_METERS = List.of(
      new StreamMeter("meridian.peer.up", false,
          "1 if a stream to the peer is open (0 for a configured peer that is down).",
          ps -> ps.stream().anyMatch(p -> "OPEN".equals(p.state())) ? 1 : 0),
      new StreamMeter("meridian.peer.lag.writes", false,
          "Writes held here the peer has not acknowledged (not shown while it is down).",
          ps -> ps.stream().mapToLong(PeerStats::lagDots).max().orElse(-1)),
      new StreamMeter("meridian.peer.deltas.in", true,
          "Deltas received on the peer's current streams.", ps -> sum(ps, PeerStats::deltasIn)),
      new StreamMeter("meridian.peer.deltas.out", true,
          "Deltas sent on the peer's current streams.", ps -> sum(ps, PeerStats::deltasOut)),
      new StreamMeter("meridian.peer.bytes.in", true,
          "Bytes received on the peer's current streams.", ps -> sum(ps, PeerStats::bytesIn)),
      new StreamMeter("meridian.peer.bytes.out", true,
          "Bytes sent on the peer's current streams.", ps -> sum(ps, PeerStats::bytesOut)),
      new StreamMeter("meridian.peer.queued.bytes", false, "Pushes waiting to be sent.",
          ps -> sum(ps, PeerStats::queuedBytes)));

  final LongAdder writes = new LongAdder();
  final LongAdder deletes = new LongAdder();
  private final PrometheusMeterRegistry prometheus =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final MeterRegistry host;
  private final CompositeMeterRegistry registry = new CompositeMeterRegistry();
  private final Timer commit;
  /** Guards the maps below and their meters (refreshes come from scrapes and the refresher). */
  private final Object refreshLock = new Object();
  private volatile Map<List<String>, List<PeerStats>> streams = Map.of();
  /** What the function meters read: Micrometer holds their state weakly, this peer strongly. */
  private final List<Object> held = new ArrayList<>();
  private final Map<List<String>, Map<String, Meter>> streamMeters = new HashMap<>();
  private final Map<String, Meter> kindMeters = new HashMap<>();
  private Supplier<List<PeerStats>> peers = List::of;
  private Supplier<Map<String, Long>> replicationRefusals = Map::of;
  private Supplier<Map<String, Long>> authRefusals = Map::of;
  private ScheduledExecutorService refresher;

  /**
   * Meters registered in a Prometheus registry of their own and in {@code host} (null: none).
   *
   * @throws IllegalArgumentException if {@code host} holds another open peer's meters
   */
  PeerMetrics(MeterRegistry host) {
    if (host != null && host.find("meridian.info").gauge() != null) {
      throw new IllegalArgumentException("the meter registry already holds the meters of the open"
          + " peer " + host.find("meridian.info").gauge().getId().getTag("site")
          + ": give each peer a registry of its own");
    }
    this.host = host;
    registry.add(prometheus);
    if (host != null) {
      registry.add(host);
    }
    commit = Timer.builder("meridian.commit").description("From update() to durable.")
        .serviceLevelObjectives(BOUNDS).register(registry);
    FunctionCounter.builder("meridian.writes", writes, LongAdder::sum)
        .description("Local writes made durable.").register(registry);
    FunctionCounter.builder("meridian.deletes", deletes, LongAdder::sum)
        .description("Documents deleted here.").register(registry);
  }

  /** Local writes that became durable since the peer opened. */
  public long writes() {
    return writes.sum();
  }

  void committed(long nanos) {
    writes.increment();
    commit.record(nanos, TimeUnit.NANOSECONDS);
  }

  /** Registers the meters that read {@code peer}'s parts; with a host registry, starts refreshing. */
  void bind(Meridian peer, StoreReplica replica, DocStore store,
      Supplier<List<PeerStats>> peerStats) {
    this.peers = peerStats;
    this.replicationRefusals = peer::replicationRefusals;
    this.authRefusals = peer::authRefusals;
    counter("meridian.deltas.received", "Deltas received from peers.",
        () -> replica.deltasReceived.sum());
    counter("meridian.deltas.new", "Received deltas that taught this peer a write.",
        () -> replica.deltasNew.sum());
    counter("meridian.deltas.served", "Catch-up deltas read for peers.",
        () -> replica.deltasServed.sum());
    gauge("meridian.documents", "Documents held, deleted ones included.", store::count);
    gauge("meridian.store.bytes", "Bytes of the store on disk (journal and files).",
        store::sizeOnDisk);
    if (store instanceof ReopeningStore r) {
      counter("meridian.store.reopens",
          "Times the store failed closed (a full disk, a failed fsync) and reopened itself.",
          r::reopens);
      gauge("meridian.store.failed",
          "1 while the store has failed and refuses writes (it retries reopening on its own).",
          () -> r.failed() ? 1 : 0);
    }
    if (store instanceof ReopeningStore || store instanceof MapDbDocStore) {
      // One stats() (it walks the journal directory) serves the five meters of one publish.
      Supplier<StoreStats> stats = Suppliers.memoizeWithExpiration(
          () -> (store instanceof ReopeningStore r ? r.current() : (MapDbDocStore) store).stats(),
          Duration.ofMillis(100));
      counter("meridian.journal.records", "Journal records appended.",
          () -> stats.get().journalRecords());
      counter("meridian.journal.fsyncs", "Journal fsyncs (group commits).",
          () -> stats.get().journalFsyncs());
      counter("meridian.checkpoints", "Checkpoints written.", () -> stats.get().checkpoints());
      gauge("meridian.journal.bytes", "Bytes of journal files on disk.",
          () -> stats.get().journalBytes());
      gauge("meridian.journal.backlog.bytes",
          "Journal records not yet checkpointed into MapDB: approximate bytes held in memory.",
          () -> stats.get().backlogBytes());
    }
    peer.accessControl().ifPresent(a -> counter("meridian.access.file.errors",
        "Times the access file changed into one that could not be used (the rules before stay).",
        a::reloadFailures));
    Gauge.builder("meridian.info", () -> 1).strongReference(true)
        .description("The peer's identity.")
        .tags("site", peer.site(), "replica", peer.replicaId()).register(registry);
    refresh();
    if (host != null) {
      refresher = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "meridian-meters");
        t.setDaemon(true);
        return t;
      });
      var unused = refresher.scheduleWithFixedDelay(this::refreshLogged, REFRESH.toMillis(),
          REFRESH.toMillis(), TimeUnit.MILLISECONDS); // ends when close() shuts the refresher
    }
  }

  /** The meters in the Prometheus text exposition format (version 0.0.4), brought up to date. */
  String scrape() {
    refresh();
    return prometheus.scrape();
  }

  /** Stops refreshing and removes every meter of this peer from the registries. */
  void close() {
    if (refresher != null) {
      refresher.shutdownNow();
    }
    synchronized (refreshLock) {
      for (Meter m : new ArrayList<>(registry.getMeters())) {
        registry.remove(m);
      }
      if (host != null) {
        registry.remove(host);
      }
      prometheus.close();
    }
  }

  /** {@link #refresh}, for the refresher: a failure is logged and the next second tries again. */
  private void refreshLogged() {
    try {
      refresh();
    } catch (RuntimeException e) {
      LOG.warn("could not bring the peer's meters up to date", e);
    }
  }

  /** Adds meters for new streams and refusal kinds, removes those of streams gone. */
  void refresh() {
    Map<List<String>, List<PeerStats>> now = new LinkedHashMap<>();
    for (PeerStats p : peers.get()) {
      now.computeIfAbsent(List.of(p.peer() == null ? "" : p.peer().toString(),
          p.address() == null ? "" : p.address(), p.outbound() ? "out" : "in"),
          k -> new ArrayList<>()).add(p);
    }
    synchronized (refreshLock) {
      streams = now;
      for (var it = streamMeters.entrySet().iterator(); it.hasNext(); ) {
        var e = it.next();
        if (!now.containsKey(e.getKey())) {
          e.getValue().values().forEach(registry::remove);
          it.remove();
        }
      }
      for (Map.Entry<List<String>, List<PeerStats>> e : now.entrySet()) {
        Map<String, Meter> meters = streamMeters.computeIfAbsent(e.getKey(), k -> new HashMap<>());
        for (StreamMeter s : STREAM_METERS) {
          boolean known = s.value().applyAsLong(e.getValue()) >= 0;
          Meter m = meters.get(s.name());
          if (known && m == null) {
            meters.put(s.name(), register(s, e.getKey()));
          } else if (!known && m != null) {
            registry.remove(m);
            meters.remove(s.name());
          }
        }
      }
      kinds("meridian.replication.refusals", "kind",
          "Frames and streams refused from peers, by kind (certificate, allowlist,"
              + " impersonation, own-dots, implausible-counter, conflicting-record, frame,"
              + " handshakes, identity-store).",
          replicationRefusals);
      kinds("meridian.auth.refused", "reason",
          "Calls and streams refused for who made them, by reason.", authRefusals);
    }
  }

  private Meter register(StreamMeter s, List<String> key) {
    Tags tags = Tags.of("peer", key.get(0), "address", key.get(1), "direction", key.get(2));
    ToLongFunction<PeerMetrics> read = m -> {
      List<PeerStats> ps = m.streams.get(key);
      return ps == null ? 0 : Math.max(0, s.value().applyAsLong(ps));
    };
    return s.counter()
        ? FunctionCounter.builder(s.name(), this, read::applyAsLong).tags(tags)
            .description(s.help()).register(registry)
        : Gauge.builder(s.name(), this, read::applyAsLong).tags(tags)
            .description(s.help()).register(registry);
  }

  private void kinds(String name, String tag, String help, Supplier<Map<String, Long>> counts) {
    for (String kind : counts.get().keySet()) {
      kindMeters.computeIfAbsent(name + "\0" + kind, k -> FunctionCounter
          .builder(name, counts, c -> c.get().getOrDefault(kind, 0L))
          .tags(tag, kind).description(help).register(registry));
    }
  }

  private void counter(String name, String help, Supplier<Long> value) {
    held.add(value);
    FunctionCounter.builder(name, value, v -> v.get()).description(help).register(registry);
  }

  private void gauge(String name, String help, Supplier<Number> value) {
    held.add(value);
    Gauge.builder(name, value, v -> v.get().doubleValue()).description(help).register(registry);
  }

  private static long sum(List<PeerStats> ps, ToLongFunction<PeerStats> f) {
    return ps.stream().mapToLong(f).sum();
  }
}
