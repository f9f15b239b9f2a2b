package dev.meridian.peer;

import dev.meridian.persistence.DocStore;
import dev.meridian.persistence.MapDbDocStore;
import dev.meridian.persistence.ReopeningStore;
import dev.meridian.persistence.StoreStats;
import dev.meridian.transport.sync.PeerStats;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToLongFunction;

/**
 * A peer's counters since it opened, and their rendering in the Prometheus text exposition format
 * (version 0.0.4). Counters only grow; gauges are read when rendered.
 *
 * <p>Metrics: {@code meridian_writes_total}, {@code meridian_deletes_total}, {@code
 * meridian_commit_seconds} (histogram: from {@link Meridian#update} to durable), {@code
 * meridian_deltas_received_total}, {@code meridian_deltas_new_total} (received deltas that taught
 * this peer something), {@code meridian_deltas_served_total} (catch-up deltas read for peers),
 * {@code meridian_documents}, {@code meridian_store_bytes}, {@code meridian_journal_records_total},
 * {@code meridian_journal_fsyncs_total}, {@code meridian_checkpoints_total}, {@code
 * meridian_journal_bytes}, {@code meridian_journal_backlog_bytes}, and per replication
 * stream ({@code peer}, {@code address}, {@code direction} labels): {@code meridian_peer_up} (also
 * 0 for each configured peer with no stream), {@code meridian_peer_lag_writes}, {@code
 * meridian_peer_deltas_in_total}, {@code meridian_peer_deltas_out_total}, {@code
 * meridian_peer_bytes_in_total}, {@code meridian_peer_bytes_out_total} (counters that restart with
 * each stream), {@code meridian_peer_queued_bytes}; {@code meridian_auth_refused_total} by {@code
 * reason} (see {@link Meridian#authRefusals()}) and, under access control, {@code
 * meridian_access_file_errors_total}.
 */
public final class PeerMetrics {
  /** Upper bounds of the commit latency buckets, in seconds. */
  private static final double[] BOUNDS = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5};

  final LongAdder writes = new LongAdder();
  final LongAdder deletes = new LongAdder();
  private final LongAdder[] buckets = new LongAdder[BOUNDS.length + 1];
  private final LongAdder latencyNanos = new LongAdder();

  PeerMetrics() {
    for (int i = 0; i < buckets.length; i++) {
      buckets[i] = new LongAdder();
    }
  }

  /** Local writes that became durable since the peer opened. */
  public long writes() {
    return writes.sum();
  }

  void committed(long nanos) {
    writes.increment();
    latencyNanos.add(nanos);
    double s = nanos / 1e9;
    int i = 0;
    while (i < BOUNDS.length && s > BOUNDS[i]) {
      i++;
    }
    buckets[i].increment();
  }

  void writePrometheus(StringBuilder out, Meridian peer, List<PeerStats> peers,
      StoreReplica replica, DocStore store) {
    counter(out, "meridian_writes_total", "Local writes made durable.", writes.sum());
    counter(out, "meridian_deletes_total", "Documents deleted here.", deletes.sum());
    out.append("# HELP meridian_commit_seconds From update() to durable.\n");
    out.append("# TYPE meridian_commit_seconds histogram\n");
    long cumulative = 0;
    for (int i = 0; i < BOUNDS.length; i++) {
      cumulative += buckets[i].sum();
      out.append("meridian_commit_seconds_bucket{le=\"").append(BOUNDS[i]).append("\"} ")
          .append(cumulative).append('\n');
    }
    cumulative += buckets[BOUNDS.length].sum();
    out.append("meridian_commit_seconds_bucket{le=\"+Inf\"} ").append(cumulative).append('\n');
    out.append("meridian_commit_seconds_sum ")
        .append(String.format(Locale.ROOT, "%.9f", latencyNanos.sum() / 1e9)).append('\n');
    out.append("meridian_commit_seconds_count ").append(cumulative).append('\n');
    counter(out, "meridian_deltas_received_total", "Deltas received from peers.",
        replica.deltasReceived.sum());
    counter(out, "meridian_deltas_new_total", "Received deltas that taught this peer a write.",
        replica.deltasNew.sum());
    counter(out, "meridian_deltas_served_total", "Catch-up deltas read for peers.",
        replica.deltasServed.sum());
    gauge(out, "meridian_documents", "Documents held, deleted ones included.", store.count());
    gauge(out, "meridian_store_bytes", "Bytes of the store on disk (journal and files).",
        store.sizeOnDisk());
    MapDbDocStore disk = store instanceof ReopeningStore r ? r.current()
        : store instanceof MapDbDocStore m ? m : null;
    if (store instanceof ReopeningStore r) {
      counter(out, "meridian_store_reopens_total",
          "Times the store failed closed (a full disk, a failed fsync) and reopened itself.",
          r.reopens());
      gauge(out, "meridian_store_failed",
          "1 while the store has failed and refuses writes (it retries reopening on its own).",
          r.failed() ? 1 : 0);
    }
    if (disk != null) {
      StoreStats st = disk.stats();
      counter(out, "meridian_journal_records_total", "Journal records appended.",
          st.journalRecords());
      counter(out, "meridian_journal_fsyncs_total", "Journal fsyncs (group commits).",
          st.journalFsyncs());
      counter(out, "meridian_checkpoints_total", "Checkpoints written.", st.checkpoints());
      gauge(out, "meridian_journal_bytes", "Bytes of journal files on disk.", st.journalBytes());
      gauge(out, "meridian_journal_backlog_bytes",
          "Journal records not yet checkpointed into MapDB: approximate bytes held in memory.",
          st.backlogBytes());
    }
    Map<List<String>, List<PeerStats>> byStream = new LinkedHashMap<>();
    for (PeerStats p : peers) {
      byStream.computeIfAbsent(List.of(p.peer() == null ? "" : p.peer().toString(),
          p.address() == null ? "" : p.address(), p.outbound() ? "out" : "in"),
          k -> new ArrayList<>()).add(p);
    }
    perPeer(out, byStream, "meridian_peer_up", "gauge",
        "1 if a stream to the peer is open (0 for a configured peer that is down).",
        ps -> ps.stream().anyMatch(p -> "OPEN".equals(p.state())) ? 1 : 0);
    perPeer(out, byStream, "meridian_peer_lag_writes", "gauge",
        "Writes held here the peer has not acknowledged (not shown while it is down).",
        ps -> ps.stream().mapToLong(PeerStats::lagDots).max().orElse(-1));
    perPeer(out, byStream, "meridian_peer_deltas_in_total", "counter",
        "Deltas received on the peer's current streams.", ps -> sum(ps, PeerStats::deltasIn));
    perPeer(out, byStream, "meridian_peer_deltas_out_total", "counter",
        "Deltas sent on the peer's current streams.", ps -> sum(ps, PeerStats::deltasOut));
    perPeer(out, byStream, "meridian_peer_bytes_in_total", "counter",
        "Bytes received on the peer's current streams.", ps -> sum(ps, PeerStats::bytesIn));
    perPeer(out, byStream, "meridian_peer_bytes_out_total", "counter",
        "Bytes sent on the peer's current streams.", ps -> sum(ps, PeerStats::bytesOut));
    perPeer(out, byStream, "meridian_peer_queued_bytes", "gauge", "Pushes waiting to be sent.",
        ps -> sum(ps, PeerStats::queuedBytes));
    out.append("# HELP meridian_replication_refusals_total Frames and streams refused from peers,"
        + " by kind (certificate, allowlist, impersonation, own-dots, implausible-counter,"
        + " conflicting-record, frame, handshakes, identity-store).\n"
        + "# TYPE meridian_replication_refusals_total counter\n");
    for (Map.Entry<String, Long> e : peer.replicationRefusals().entrySet()) {
      out.append("meridian_replication_refusals_total{kind=\"").append(escape(e.getKey()))
          .append("\"} ").append(e.getValue()).append('\n');
    }
    out.append("# HELP meridian_auth_refused_total Calls and streams refused for who made them,"
        + " by reason.\n# TYPE meridian_auth_refused_total counter\n");
    for (Map.Entry<String, Long> e : peer.authRefusals().entrySet()) {
      out.append("meridian_auth_refused_total{reason=\"").append(escape(e.getKey()))
          .append("\"} ").append(e.getValue()).append('\n');
    }
    peer.accessControl().ifPresent(a -> counter(out, "meridian_access_file_errors_total",
        "Times the access file changed into one that could not be used (the rules before stay).",
        a.reloadFailures()));
    out.append("# HELP meridian_info The peer's identity.\n# TYPE meridian_info gauge\n");
    out.append("meridian_info{site=\"").append(escape(peer.site())).append("\",replica=\"")
        .append(peer.replicaId()).append("\"} 1\n");
  }

  private static void counter(StringBuilder out, String name, String help, long v) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" counter\n");
    out.append(name).append(' ').append(v).append('\n');
  }

  private static void gauge(StringBuilder out, String name, String help, long v) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(" gauge\n");
    out.append(name).append(' ').append(v).append('\n');
  }

  /**
   * One series per peer stream key (peer, address, direction): two streams with one key (a
   * reconnect overlapping the old stream's close) are merged by {@code value}; a negative value
   * means unknown and is left out.
   */
  private static void perPeer(StringBuilder out, Map<List<String>, List<PeerStats>> byStream,
      String name, String type, String help, ToLongFunction<List<PeerStats>> value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    for (Map.Entry<List<String>, List<PeerStats>> e : byStream.entrySet()) {
      long v = value.applyAsLong(e.getValue());
      if (v < 0) {
        continue;
      }
      List<String> k = e.getKey();
      out.append(name).append("{peer=\"").append(k.get(0)).append("\",address=\"")
          .append(escape(k.get(1))).append("\",direction=\"").append(k.get(2)).append("\"} ")
          .append(v).append('\n');
    }
  }

  private static long sum(List<PeerStats> ps, ToLongFunction<PeerStats> f) {
    return ps.stream().mapToLong(f).sum();
  }

  private static String escape(String s) {
    return s == null ? "" : s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
  }
}
