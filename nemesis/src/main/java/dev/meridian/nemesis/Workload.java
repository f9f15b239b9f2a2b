package dev.meridian.nemesis;

import dev.meridian.peer.proto.DocumentsGrpc.DocumentsBlockingStub;
import dev.meridian.peer.proto.Operation;
import dev.meridian.peer.proto.UpdateRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A workload: client operations against the daemons, recorded as acknowledged, failed or unknown,
 * and a checker for what the daemons hold once they have converged. Each (workload, node) pair has
 * one client thread; {@link #step} is called from it in a loop.
 */
abstract class Workload {
  /*
   * Outcomes, as Jepsen's: an operation is acknowledged (OK), failed (a status the client API
   * documents as changing nothing: INVALID_ARGUMENT, FAILED_PRECONDITION), or unknown (any other
   * error: a deadline, UNAVAILABLE, a daemon killed while the request was in flight; it may or may
   * not have been applied, now or later).
   */
  enum Outcome { OK, FAILED, UNKNOWN }

  static final long DEADLINE_MILLIS = 2000;

  final AtomicLong acked = new AtomicLong();
  final AtomicLong failed = new AtomicLong();
  final AtomicLong unknown = new AtomicLong();
  /** Acknowledged operations, for the timeline's throughput (all workloads share it). */
  private final AtomicLong throughput;

  Workload(AtomicLong throughput) {
    this.throughput = throughput;
  }

  abstract String name();

  /** The document keys this workload writes (compared across daemons for convergence). */
  abstract List<String> keys();

  /** One client operation from the thread of {@code node} against that node's daemon. */
  abstract void step(int node, DocumentsBlockingStub api, Random random);

  /**
   * Checks the converged documents: {@code docs.get(n)} maps each key to its JSON at node n.
   * Returns the violations (empty if none) and how many acknowledged writes are missing.
   */
  abstract Check check(List<Map<String, String>> docs);

  /** A checker's verdict. */
  record Check(String workload, long lost, List<String> violations) {
    boolean ok() {
      return violations.isEmpty();
    }
  }

  /** Sends one update; records and returns its outcome. */
  final Outcome update(DocumentsBlockingStub api, String key, Operation... ops) {
    int node = NODE.get();
    try {
      api.withDeadlineAfter(DEADLINE_MILLIS, TimeUnit.MILLISECONDS).update(
          UpdateRequest.newBuilder().setKey(key).addAllOperations(List.of(ops)).build());
      acked.incrementAndGet();
      throughput.incrementAndGet();
      return Outcome.OK;
    } catch (StatusRuntimeException e) {
      Outcome o = classify(e.getStatus());
      (o == Outcome.FAILED ? failed : unknown).incrementAndGet();
      // Digits vary between otherwise equal messages (deadlines, ports): group them as one.
      String d = String.valueOf(e.getStatus().getDescription()).replaceAll("[0-9.]+", "N");
      errors.merge("n" + node + " " + e.getStatus().getCode() + ": "
          + (d.length() > 160 ? d.substring(0, 160) + "..." : d), 1L, Long::sum);
      return o;
    }
  }

  /** The node whose client thread is calling (set by the client thread). */
  static final ThreadLocal<Integer> NODE = ThreadLocal.withInitial(() -> -1);

  /** Errors clients saw, by node, status and message, with how often (for the report). */
  final java.util.concurrent.ConcurrentHashMap<String, Long> errors =
      new java.util.concurrent.ConcurrentHashMap<>();

  static Outcome classify(Status s) {
    return switch (s.getCode()) {
      case INVALID_ARGUMENT, FAILED_PRECONDITION -> Outcome.FAILED;
      default -> Outcome.UNKNOWN;
    };
  }

  /** Pauses the calling client thread a little after an error, so a dead daemon is not spun on. */
  static void backOff() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
