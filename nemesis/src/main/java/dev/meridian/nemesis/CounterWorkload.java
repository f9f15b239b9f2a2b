package dev.meridian.nemesis;

import com.google.gson.JsonElement;
import dev.meridian.peer.proto.DocumentsGrpc.DocumentsBlockingStub;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counters (Jepsen's counter workload): every client increments a few shared counters by one.
 * Check: at every daemon each counter's final value lies in [acknowledged, acknowledged + unknown]
 * increments of that counter.
 */
final class CounterWorkload extends Workload {
  private static final int KEYS = 3;
  private final AtomicLong[] ackedPerKey = new AtomicLong[KEYS];
  private final AtomicLong[] unknownPerKey = new AtomicLong[KEYS];
  private final AtomicLong[] seq;

  CounterWorkload(int nodes, AtomicLong throughput) {
    super(throughput);
    for (int k = 0; k < KEYS; k++) {
      ackedPerKey[k] = new AtomicLong();
      unknownPerKey[k] = new AtomicLong();
    }
    seq = new AtomicLong[nodes];
    for (int i = 0; i < nodes; i++) {
      seq[i] = new AtomicLong();
    }
  }

  @Override
  String name() {
    return "counter";
  }

  @Override
  List<String> keys() {
    List<String> keys = new ArrayList<>();
    for (int k = 0; k < KEYS; k++) {
      keys.add("ctr-" + k);
    }
    return keys;
  }

  @Override
  void step(int node, DocumentsBlockingStub api, Random random) {
    int k = (int) (seq[node].getAndIncrement() % KEYS);
    switch (update(api, "ctr-" + k, Ops.increment("c"))) {
      case OK -> ackedPerKey[k].incrementAndGet();
      case UNKNOWN -> {
        unknownPerKey[k].incrementAndGet();
        backOff();
      }
      case FAILED -> { }
    }
  }

  @Override
  Check check(List<Map<String, String>> docs) {
    List<String> violations = new ArrayList<>();
    long lost = 0;
    for (int k = 0; k < KEYS; k++) {
      long lo = ackedPerKey[k].get();
      long hi = lo + unknownPerKey[k].get();
      long maxLost = 0;
      for (int node = 0; node < docs.size(); node++) {
        JsonElement c = Ops.field(docs.get(node).get("ctr-" + k), "c");
        long v = c == null ? 0 : c.getAsLong();
        if (v < lo || v > hi) {
          violations.add("n" + node + " ctr-" + k + " = " + v + ", outside [" + lo + ", " + hi + "]");
        }
        maxLost = Math.max(maxLost, lo - v);
      }
      lost += maxLost;
    }
    return new Check(name(), lost, violations);
  }
}
