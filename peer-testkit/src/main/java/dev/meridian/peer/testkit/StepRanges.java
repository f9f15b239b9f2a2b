package dev.meridian.peer.testkit;

import java.util.ArrayList;
import java.util.List;

/**
 * Step indexes as a replay line writes them: ascending runs joined by commas, each a single index
 * or {@code from-to}, so {@code [0, 1, 2, 5]} is {@code "0-2,5"}.
 */
final class StepRanges {
  private StepRanges() {}

  /** {@code indices} (ascending) as text: {@code [0, 1, 2, 5]} as {@code "0-2,5"}. */
  static String format(List<Integer> indices) {
    StringBuilder sb = new StringBuilder();
    int i = 0;
    while (i < indices.size()) {
      int j = i;
      while (j + 1 < indices.size() && indices.get(j + 1) == indices.get(j) + 1) {
        j++;
      }
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(indices.get(i));
      if (j > i) {
        sb.append('-').append(indices.get(j));
      }
      i = j + 1;
    }
    return sb.toString();
  }

  /** The indexes {@code text} names, in its order; blank parts are skipped. */
  static List<Integer> parse(String text) {
    List<Integer> out = new ArrayList<>();
    for (String part : text.split(",", -1)) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      int dash = p.indexOf('-');
      int from = Integer.parseInt(dash < 0 ? p : p.substring(0, dash));
      int to = dash < 0 ? from : Integer.parseInt(p.substring(dash + 1));
      for (int i = from; i <= to; i++) {
        out.add(i);
      }
    }
    return out;
  }
}
