package dev.meridian.crdt.store;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.Dot;
import java.util.Map;
import java.util.Objects;

/**
 * Finds records that two states hold under the same id with different content: a sequence element
 * with other origins, another type or other characters, or a register or counter entry whose dot
 * holds another value. A dot is minted once, by one replica, for one thing, so correct replicas
 * never disagree on what an id holds: a disagreement is a forged or corrupted delta, and joining it
 * would keep one side's version silently (the join keeps the record already here). Stores call
 * {@link #find} before a join and refuse the delta, so the divergence is reported, not hidden.
 *
 * <p>Cost: proportional to the records of {@code incoming} (a keyed delta visits only its keys),
 * with one index lookup per record piece; nothing is changed.
 */
public final class RecordConflicts {
  private RecordConflicts() {}

  /**
   * The first record that {@code incoming} holds with other content than {@code local}, described
   * for a log or refusal ("text 'notes.body': element r:5 has left origin ... here, ... in the
   * delta"), or null if none. Stores of different kinds at one place are not a conflict (that is a
   * typed key's business, or a malformed delta refused elsewhere).
   */
  public static String find(DotStore local, DotStore incoming) {
    Objects.requireNonNull(local, "local");
    Objects.requireNonNull(incoming, "incoming");
    return find(local, incoming, "");
  }

  private static String find(DotStore local, DotStore incoming, String at) {
    if (local instanceof DotMap && incoming instanceof DotMap) {
      DotMap<?> l = (DotMap<?>) local;
      for (Map.Entry<?, DotStore> e : ((DotMap<?>) incoming).entrySet()) {
        @SuppressWarnings("unchecked")
        DotStore mine = ((DotMap<Object>) l).get(e.getKey());
        if (mine != null) {
          String c = find(mine, e.getValue(), at.isEmpty() ? e.getKey().toString()
              : at + "." + e.getKey());
          if (c != null) {
            return c;
          }
        }
      }
      return null;
    }
    if (local instanceof DotFun && incoming instanceof DotFun) {
      DotFun<?> l = (DotFun<?>) local;
      String[] out = new String[1];
      ((DotFun<?>) incoming).forEach((dot, v) -> {
        Object mine = l.get(dot);
        if (out[0] == null && mine != null && !mine.equals(v)) {
          out[0] = String.format("'%s': dot %s holds %s here and %s in the delta", at, dot,
              abbreviate(mine), abbreviate(v));
        }
      });
      return out[0];
    }
    if (local instanceof DotSeq localSeq && incoming instanceof DotSeq incomingSeq) {
      return findInSequence(localSeq, incomingSeq, at);
    }
    return null;
  }

  private static String findInSequence(DotSeq local, DotSeq incoming, String at) {
    if (local.text != incoming.text) {
      return null;
    }
    for (SeqTree.Leaf leaf = incoming.tree == null ? null : incoming.tree.firstLeaf();
        leaf != null; leaf = leaf.next) {
      for (int i = 0; i < leaf.n; i++) {
        String c = findRun(local, leaf.runs[i], at);
        if (c != null) {
          return c;
        }
      }
    }
    for (int i = 0; i < incoming.waitingN; i++) {
      String c = findRun(local, incoming.waiting[i], at);
      if (c != null) {
        return c;
      }
    }
    return null;
  }

  /** Compares each piece of {@code x} whose ids are held here with the record held here. */
  private static String findRun(DotSeq local, SeqRun x, String at) {
    long pos = x.start;
    long end = x.end();
    while (pos <= end) {
      SeqRun mine = local.index.find(x.replica, pos);
      if (mine == null) {
        SeqRun next = local.index.ceiling(x.replica, pos);
        if (next == null || next.start > end) {
          return null;
        }
        pos = next.start;
        continue;
      }
      long stop = Math.min(end, mine.end());
      String c = comparePiece(mine, x, pos, stop, local.text, at);
      if (c != null) {
        return c;
      }
      pos = stop + 1;
    }
    return null;
  }

  /**
   * Elements {@code [pos, stop]} are in both runs. Inside a run every element's left origin is its
   * predecessor and its right origin the run's, so the first element's origins decide them all.
   */
  private static String comparePiece(SeqRun mine, SeqRun x, long pos, long stop, boolean text,
      String at) {
    String what = (text ? "text '" : "list '") + at + "': element " + new Dot(x.replica, pos);
    ReplicaId ml = pos == mine.start ? mine.leftReplica : mine.replica;
    long mlc = pos == mine.start ? mine.leftCounter : pos - 1;
    if (!x.leftOriginIs((int) (pos - x.start), ml, mlc)) {
      return what + " has another left origin in the delta than here";
    }
    if (!x.sameRight(mine)) {
      return what + " has another right origin in the delta than here";
    }
    if (!text) {
      if (mine.type != x.type) {
        return what + " is a " + mine.type.label() + " here and a " + x.type.label()
            + " in the delta";
      }
      return mine.value == null || x.value == null ? null : find(mine.value, x.value, at
          + "[" + new Dot(x.replica, pos) + "]");
    }
    if (mine.live && x.live && mine.chars != null && x.chars != null) {
      int mo = (int) (pos - mine.start);
      int xo = (int) (pos - x.start);
      int n = (int) (stop - pos + 1);
      if (!java.util.Arrays.equals(mine.chars, mo, mo + n, x.chars, xo, xo + n)) {
        return what + " holds other characters in the delta than here";
      }
    }
    return null;
  }

  private static String abbreviate(Object o) {
    String s = String.valueOf(o);
    return s.length() <= 40 ? s : s.substring(0, 37) + "...";
  }
}
