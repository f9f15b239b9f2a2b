package dev.meridian.nemesis;

import com.google.gson.JsonElement;
import dev.meridian.peer.proto.DocumentsGrpc.DocumentsBlockingStub;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Set adds (Jepsen's set workload): every client adds unique elements to a few shared sets. Check:
 * every acknowledged add is present at every daemon, and nothing is present that no client tried
 * to add (or that a client was told failed).
 */
final class SetWorkload extends Workload {
  private static final int KEYS = 3;
  private final Set<String> attempted = ConcurrentHashMap.newKeySet();
  private final Set<String> ackedAdds = ConcurrentHashMap.newKeySet();
  private final Set<String> failedAdds = ConcurrentHashMap.newKeySet();
  private final AtomicLong[] seq;

  SetWorkload(int nodes, AtomicLong throughput) {
    super(throughput);
    seq = new AtomicLong[nodes];
    for (int i = 0; i < nodes; i++) {
      seq[i] = new AtomicLong();
    }
  }

  @Override
  String name() {
    return "set";
  }

  @Override
  List<String> keys() {
    List<String> keys = new ArrayList<>();
    for (int k = 0; k < KEYS; k++) {
      keys.add("set-" + k);
    }
    return keys;
  }

  @Override
  void step(int node, DocumentsBlockingStub api, Random random) {
    long n = seq[node].getAndIncrement();
    String key = "set-" + (n % KEYS);
    String element = key + "/n" + node + "-" + n;
    attempted.add(element);
    switch (update(api, key, Ops.add("s", element))) {
      case OK -> ackedAdds.add(element);
      case FAILED -> failedAdds.add(element);
      case UNKNOWN -> backOff();
    }
  }

  @Override
  Check check(List<Map<String, String>> docs) {
    List<String> violations = new ArrayList<>();
    Set<String> lost = new HashSet<>();
    for (int node = 0; node < docs.size(); node++) {
      Set<String> present = new HashSet<>();
      for (String key : keys()) {
        JsonElement s = Ops.field(docs.get(node).get(key), "s");
        if (s != null) {
          s.getAsJsonArray().forEach(e -> present.add(e.getAsString()));
        }
      }
      Set<String> missing = new HashSet<>(ackedAdds);
      missing.removeAll(present);
      if (!missing.isEmpty()) {
        violations.add("n" + node + " lacks " + missing.size() + " acknowledged adds, e.g. "
            + sample(missing));
        lost.addAll(missing);
      }
      Set<String> phantom = new HashSet<>(present);
      phantom.removeAll(attempted);
      if (!phantom.isEmpty()) {
        violations.add("n" + node + " holds elements nobody added: " + sample(phantom));
      }
      Set<String> refused = new HashSet<>(present);
      refused.retainAll(failedAdds);
      if (!refused.isEmpty()) {
        violations.add("n" + node + " holds adds the client was told failed: " + sample(refused));
      }
    }
    return new Check(name(), lost.size(), violations);
  }

  static String sample(Set<String> s) {
    List<String> l = new ArrayList<>(s);
    java.util.Collections.sort(l);
    return l.subList(0, Math.min(5, l.size())).toString();
  }
}
