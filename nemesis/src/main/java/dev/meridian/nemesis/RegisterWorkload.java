package dev.meridian.nemesis;

import com.google.gson.JsonElement;
import dev.meridian.peer.proto.DocumentsGrpc.DocumentsBlockingStub;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Registers (Jepsen's register workload, without a linearizability claim: the store is
 * last-writer-wins by hybrid clock). Clients write unique values into a few shared registers and
 * read them. Checks: no read, during the run or at the end, returns a value nobody wrote; at the
 * end every daemon shows the same value, and it is one of the last writes: the last acknowledged
 * write of some client, or a write whose outcome is unknown (it may take effect at any time).
 * A value that its own client overwrote later with an acknowledged write must never win, whatever
 * the clocks.
 */
final class RegisterWorkload extends Workload {
  private static final int KEYS = 3;
  private final Set<String> attempted = ConcurrentHashMap.newKeySet();
  private final Set<String> unknownWrites = ConcurrentHashMap.newKeySet();
  /** [key][node]: the last acknowledged write of that node's client. */
  private final String[][] lastAcked;
  private final long[] seq;
  private final List<String> readViolations = new CopyOnWriteArrayList<>();
  /** Reads made, by every node's client thread. */
  private final AtomicLong reads = new AtomicLong();

  RegisterWorkload(int nodes, java.util.concurrent.atomic.AtomicLong throughput) {
    super(throughput);
    lastAcked = new String[KEYS][nodes];
    seq = new long[nodes];
  }

  @Override
  String name() {
    return "register";
  }

  @Override
  List<String> keys() {
    List<String> keys = new ArrayList<>();
    for (int k = 0; k < KEYS; k++) {
      keys.add("reg-" + k);
    }
    return keys;
  }

  @Override
  void step(int node, DocumentsBlockingStub api, Random random) {
    long n = seq[node]++; // one thread per node
    int k = random.nextInt(KEYS);
    String key = "reg-" + k;
    if (random.nextInt(4) == 0) {
      try {
        String v = value(Ops.get(api, key));
        reads.incrementAndGet();
        if (v != null && !attempted.contains(v)) {
          readViolations.add("n" + node + " read " + key + " = " + v + ", which nobody wrote");
        }
      } catch (StatusRuntimeException e) {
        backOff();
      }
      return;
    }
    String value = "n" + node + "-" + n;
    attempted.add(value);
    switch (update(api, key, Ops.set("r", value))) {
      case OK -> {
        synchronized (lastAcked) {
          lastAcked[k][node] = value;
        }
      }
      case UNKNOWN -> {
        unknownWrites.add(value);
        backOff();
      }
      case FAILED -> { }
    }
  }

  private static String value(String json) {
    JsonElement r = Ops.field(json, "r");
    return r == null || r.isJsonNull() ? null : r.getAsString();
  }

  @Override
  Check check(List<Map<String, String>> docs) {
    List<String> violations = new ArrayList<>(readViolations);
    for (int k = 0; k < KEYS; k++) {
      Set<String> candidates = new HashSet<>(unknownWrites);
      synchronized (lastAcked) {
        for (String v : lastAcked[k]) {
          if (v != null) {
            candidates.add(v);
          }
        }
      }
      Set<String> finals = new HashSet<>();
      for (int node = 0; node < docs.size(); node++) {
        String v = value(docs.get(node).get("reg-" + k));
        finals.add(String.valueOf(v));
        if (v != null && !attempted.contains(v)) {
          violations.add("n" + node + " reg-" + k + " = " + v + ", which nobody wrote");
        } else if (!candidates.isEmpty() && !candidates.contains(v)) {
          violations.add("n" + node + " reg-" + k + " = " + v + ", not one of the last writes "
              + SetWorkload.sample(candidates));
        }
      }
      if (finals.size() != 1) {
        violations.add("reg-" + k + " differs between daemons: " + finals);
      }
    }
    return new Check(name(), 0, violations);
  }

  long reads() {
    return reads.get();
  }
}
