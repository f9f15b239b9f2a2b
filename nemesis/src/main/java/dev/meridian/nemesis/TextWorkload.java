package dev.meridian.nemesis;

import com.google.gson.JsonElement;
import dev.meridian.peer.proto.DocumentsGrpc.DocumentsBlockingStub;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Text edits. Tokens such as {@code <n1.42>} are inserted and deleted whole. Each client edits its
 * own text (inserts at token boundaries, deletes of earlier tokens, positions read from its own
 * daemon) and inserts at the front of one text that all clients share. Check: every daemon ends
 * with the same text per document, made of whole tokens only, containing every acknowledged insert
 * not deleted, no token twice, no token that nobody inserted, and no token whose deletion was
 * acknowledged.
 */
final class TextWorkload extends Workload {
  /*
   * Positions come from a read at the client's own daemon, and only this client writes its own
   * text, so the read is exact unless an earlier request with an unknown outcome is still pending
   * (a paused daemon applies it when it resumes). So after an unknown outcome the client moves to a
   * fresh text (generation g+1): the old text can change by that one pending operation only, and
   * is still checked.
   */
  private static final Pattern TOKEN = Pattern.compile("<[a-z0-9.]+>");
  static final String SHARED = "txt-all";

  private final Set<String> attempted = ConcurrentHashMap.newKeySet();
  private final Set<String> ackedInserts = ConcurrentHashMap.newKeySet();
  private final Set<String> ackedDeletes = ConcurrentHashMap.newKeySet();
  private final Set<String> unknownDeletes = ConcurrentHashMap.newKeySet();
  /** Keys of every text written. */
  private final Set<String> texts = ConcurrentHashMap.newKeySet();
  private final int[] generation;
  private final long[] seq;

  TextWorkload(int nodes, java.util.concurrent.atomic.AtomicLong throughput) {
    super(throughput);
    generation = new int[nodes];
    seq = new long[nodes];
    texts.add(SHARED);
  }

  @Override
  String name() {
    return "text";
  }

  @Override
  List<String> keys() {
    List<String> keys = new ArrayList<>(texts);
    java.util.Collections.sort(keys);
    return keys;
  }

  private String own(int node) {
    return "txt-n" + node + "-g" + generation[node];
  }

  @Override
  void step(int node, DocumentsBlockingStub api, Random random) {
    long n = seq[node]++;
    if (random.nextInt(4) == 0) {
      String token = "<s" + node + "." + n + ">";
      attempted.add(token);
      record(node, token, false, update(api, SHARED, Ops.insert("t", 0, token)), false);
      return;
    }
    String key = own(node);
    texts.add(key);
    String text;
    try {
      JsonElement t = Ops.field(Ops.get(api, key), "t");
      text = t == null ? "" : t.getAsString();
    } catch (StatusRuntimeException e) {
      backOff();
      return;
    }
    List<int[]> spans = new ArrayList<>();
    Matcher m = TOKEN.matcher(text);
    while (m.find()) {
      spans.add(new int[] {m.start(), m.end()});
    }
    if (!spans.isEmpty() && random.nextInt(3) == 0) {
      int[] s = spans.get(random.nextInt(spans.size()));
      String token = text.substring(s[0], s[1]);
      Outcome o = update(api, key, Ops.delete("t", s[0], s[1] - s[0]));
      record(node, token, true, o, true);
    } else {
      int at = random.nextInt(spans.size() + 1);
      int index = at == spans.size() ? text.length() : spans.get(at)[0];
      String token = "<n" + node + "." + n + ">";
      attempted.add(token);
      record(node, token, false, update(api, key, Ops.insert("t", index, token)), true);
    }
  }

  private void record(int node, String token, boolean delete, Outcome o, boolean ownText) {
    if (o == Outcome.OK) {
      (delete ? ackedDeletes : ackedInserts).add(token);
      return;
    }
    if (delete && o == Outcome.UNKNOWN) {
      unknownDeletes.add(token);
    }
    if (o == Outcome.UNKNOWN) {
      if (ownText) {
        generation[node]++;
      }
      backOff();
    }
  }

  @Override
  Check check(List<Map<String, String>> docs) {
    List<String> violations = new ArrayList<>();
    Set<String> lost = new HashSet<>();
    Set<String> expected = new HashSet<>(ackedInserts);
    expected.removeAll(ackedDeletes);
    expected.removeAll(unknownDeletes);
    for (int node = 0; node < docs.size(); node++) {
      Map<String, Integer> count = new HashMap<>();
      for (String key : keys()) {
        JsonElement t = Ops.field(docs.get(node).getOrDefault(key, "{}"), "t");
        String text = t == null ? "" : t.getAsString();
        Matcher m = TOKEN.matcher(text);
        StringBuilder rest = new StringBuilder();
        int last = 0;
        while (m.find()) {
          rest.append(text, last, m.start());
          last = m.end();
          count.merge(m.group(), 1, Integer::sum);
        }
        rest.append(text.substring(last));
        if (rest.length() > 0) {
          violations.add("n" + node + " " + key + " holds broken tokens: " + rest);
        }
      }
      Set<String> missing = new HashSet<>(expected);
      missing.removeAll(count.keySet());
      if (!missing.isEmpty()) {
        violations.add("n" + node + " lacks " + missing.size() + " acknowledged inserts, e.g. "
            + SetWorkload.sample(missing));
        lost.addAll(missing);
      }
      for (Map.Entry<String, Integer> e : count.entrySet()) {
        if (e.getValue() > 1) {
          violations.add("n" + node + " holds " + e.getKey() + " " + e.getValue() + " times");
        }
        if (!attempted.contains(e.getKey())) {
          violations.add("n" + node + " holds " + e.getKey() + ", which nobody inserted");
        }
        if (ackedDeletes.contains(e.getKey())) {
          violations.add("n" + node + " holds " + e.getKey() + ", whose deletion was acknowledged");
        }
      }
    }
    return new Check(name(), lost.size(), violations);
  }
}
