package dev.meridian.crdt.store;

import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * Equality and hash codes of {@link DotSeq}s: element by element (id, origins, presence, content or
 * value), so two stores holding the same records are equal however their runs are split in
 * memory; hash codes are taken over canonical runs (chaining runs merged) and the content.
 * Integrated records are compared in sequence order, waiting ones by id. Package-private.
 */
final class SeqEquality {
  private SeqEquality() {}

  static boolean equal(DotSeq a, DotSeq b) {
    return a.text == b.text && a.size() == b.size() && a.recordCount() == b.recordCount()
        && sameElements(a.text, integratedRuns(a), integratedRuns(b))
        && sameElements(a.text, a.waitingById().iterator(), b.waitingById().iterator());
  }

  static int hash(DotSeq s) {
    return (s.text ? 1 : 2) + 31 * hashRuns(s.text, integratedRuns(s))
        + 961 * hashRuns(s.text, s.waitingById().iterator());
  }

  /** The integrated runs in sequence order. */
  static Iterator<SeqRun> integratedRuns(DotSeq s) {
    return new Iterator<>() {
      SeqTree.Leaf leaf = s.tree == null ? null : s.tree.firstLeaf();
      int i;

      @Override
      public boolean hasNext() {
        return leaf != null;
      }

      @Override
      public SeqRun next() {
        if (leaf == null) {
          throw new NoSuchElementException();
        }
        SeqRun r = leaf.runs[i++];
        if (i == leaf.n) {
          leaf = leaf.next;
          i = 0;
        }
        return r;
      }
    };
  }

  /** Compares two run streams element by element, in chunks that both hold whole. */
  private static boolean sameElements(boolean text, Iterator<SeqRun> a, Iterator<SeqRun> b) {
    SeqRun x = a.hasNext() ? a.next() : null;
    SeqRun y = b.hasNext() ? b.next() : null;
    int ox = 0;
    int oy = 0;
    while (x != null && y != null) {
      int m = Math.min(x.len - ox, y.len - oy);
      if (!x.replica.equals(y.replica) || x.start + ox != y.start + oy || x.live != y.live
          || !x.sameRight(y)) {
        return false;
      }
      boolean sameLeft = ox == 0
          ? y.leftOriginIs(oy, x.leftReplica, x.leftCounter)
          : y.leftOriginIs(oy, x.replica, x.start + ox - 1);
      if (!sameLeft) {
        return false;
      }
      if (text) {
        if (x.live && !Arrays.equals(x.chars, ox, ox + m, y.chars, oy, oy + m)) {
          return false;
        }
      } else if (x.type != y.type || !x.value.equals(y.value)) {
        return false;
      }
      ox += m;
      oy += m;
      if (ox == x.len) {
        x = a.hasNext() ? a.next() : null;
        ox = 0;
      }
      if (oy == y.len) {
        y = b.hasNext() ? b.next() : null;
        oy = 0;
      }
    }
    return x == null && y == null;
  }

  /** Hashes the canonical runs (chaining runs merged) and the content, chunking-independent. */
  private static int hashRuns(boolean text, Iterator<SeqRun> it) {
    int h = 0;
    int content = 0;
    SeqRun cur = null;
    long curLen = 0;
    while (it.hasNext()) {
      SeqRun r = it.next();
      if (text && r.live) {
        for (int i = 0; i < r.len; i++) {
          content = content * 31 + r.chars[i];
        }
      } else if (!text) {
        content = content * 31 + r.type.hashCode() * 17 + r.value.hashCode();
      }
      if (cur != null && r.replica.equals(cur.replica) && r.start == cur.start + curLen
          && r.leftOriginIs(0, cur.replica, cur.start + curLen - 1) && r.sameRight(cur)
          && r.live == cur.live) {
        curLen += r.len;
        continue;
      }
      if (cur != null) {
        h = h * 31 + runHash(cur, curLen);
      }
      cur = r;
      curLen = r.len;
    }
    if (cur != null) {
      h = h * 31 + runHash(cur, curLen);
    }
    return h * 31 + content;
  }

  private static int runHash(SeqRun r, long len) {
    int h = r.replica.hashCode();
    h = h * 31 + Long.hashCode(r.start);
    h = h * 31 + Long.hashCode(len);
    h = h * 31 + (r.leftReplica == null ? 0 : r.leftReplica.hashCode() + Long.hashCode(r.leftCounter));
    h = h * 31 + (r.rightReplica == null ? 0 : r.rightReplica.hashCode() + Long.hashCode(r.rightCounter));
    return h * 2 + (r.live ? 1 : 0);
  }

}
