package dev.meridian.crdt.store;

import java.util.Arrays;

/**
 * The document order of a {@link DotSeq}'s integrated runs: a B-tree whose leaves hold runs and
 * whose nodes count the visible and all (visible and removed) elements below them, so that finding
 * the run at a position, and a run's position, are O(log n). Leaves are linked for in-order walks.
 * Runs are never removed (removed elements stay as tombstones), so the tree only grows.
 * Package-private, single writer.
 */
final class SeqTree {
  /*
   * Design notes.
   * [1] Each node keeps its own sums (vis, total). A change of one run's counts walks up the parent
   *     chain; a split moves children into a new right sibling, recomputes both halves from their
   *     children and inserts the sibling into the parent (splitting it in turn), so sums above are
   *     untouched: the two halves together hold what the node held.
   * [2] Leaves start small (deltas hold a run or two) and grow up to LEAF_CAP runs.
   */
  static final int LEAF_CAP = 64;
  static final int INNER_CAP = 32;

  abstract static class Node {
    Inner parent;
    long vis;
    long total;
  }

  static final class Leaf extends Node {
    SeqRun[] runs;
    int n;
    Leaf prev;
    Leaf next;

    Leaf(int capacity) {
      runs = new SeqRun[capacity];
    }
  }

  static final class Inner extends Node {
    final Node[] kids = new Node[INNER_CAP];
    int n;
  }

  private Node root;
  private Leaf first;
  private Leaf last;
  private int runCount;

  /** Offset within the run found by the last {@link #findVisible} or {@link #findTotal}. */
  long foundOffset;
  /** Index in its leaf of the run found by the last {@link #findVisible}. */
  int foundSlot;

  long vis() {
    return root == null ? 0 : root.vis;
  }

  long total() {
    return root == null ? 0 : root.total;
  }

  int runCount() {
    return runCount;
  }

  Leaf firstLeaf() {
    return first;
  }

  SeqRun firstRun() {
    return first == null ? null : first.runs[0];
  }

  SeqRun lastRun() {
    return last == null ? null : last.runs[last.n - 1];
  }

  SeqRun next(SeqRun r) {
    Leaf l = r.leaf;
    int i = indexIn(l, r);
    if (i + 1 < l.n) {
      return l.runs[i + 1];
    }
    return l.next == null ? null : l.next.runs[0];
  }

  /** {@link #next}, trying {@code hint} as r's index in its leaf first. */
  SeqRun next(SeqRun r, int hint) {
    Leaf l = r.leaf;
    int i = hint >= 0 && hint < l.n && l.runs[hint] == r ? hint : indexIn(l, r);
    if (i + 1 < l.n) {
      return l.runs[i + 1];
    }
    return l.next == null ? null : l.next.runs[0];
  }

  SeqRun prev(SeqRun r) {
    Leaf l = r.leaf;
    int i = indexIn(l, r);
    if (i > 0) {
      return l.runs[i - 1];
    }
    return l.prev == null ? null : l.prev.runs[l.prev.n - 1];
  }

  static int indexIn(Leaf l, SeqRun r) {
    SeqRun[] runs = l.runs;
    for (int i = 0; i < l.n; i++) {
      if (runs[i] == r) {
        return i;
      }
    }
    throw new IllegalStateException("run not in its leaf");
  }

  private static int indexIn(Inner p, Node c) {
    for (int i = 0; i < p.n; i++) {
      if (p.kids[i] == c) {
        return i;
      }
    }
    throw new IllegalStateException("node not in its parent");
  }

  /** The run holding visible element {@code p} ({@code 0 <= p < vis()}); sets {@link #foundOffset}. */
  SeqRun findVisible(long p) {
    Node n = root;
    while (n instanceof Inner) {
      Inner in = (Inner) n;
      int i = 0;
      while (i < in.n - 1 && p >= in.kids[i].vis) {
        p -= in.kids[i].vis;
        i++;
      }
      n = in.kids[i];
    }
    Leaf l = (Leaf) n;
    for (int i = 0; i < l.n; i++) {
      int v = l.runs[i].vis();
      if (p < v) {
        foundOffset = p;
        foundSlot = i;
        return l.runs[i];
      }
      p -= v;
    }
    throw new IndexOutOfBoundsException("visible position past the end");
  }

  /** The run holding element {@code p} counting removed ones ({@code 0 <= p < total()}). */
  SeqRun findTotal(long p) {
    Node n = root;
    while (n instanceof Inner) {
      Inner in = (Inner) n;
      int i = 0;
      while (i < in.n - 1 && p >= in.kids[i].total) {
        p -= in.kids[i].total;
        i++;
      }
      n = in.kids[i];
    }
    Leaf l = (Leaf) n;
    for (int i = 0; i < l.n; i++) {
      int t = l.runs[i].len;
      if (p < t) {
        foundOffset = p;
        return l.runs[i];
      }
      p -= t;
    }
    throw new IndexOutOfBoundsException("position past the end");
  }

  /** The number of visible elements before {@code r}. */
  long visBefore(SeqRun r) {
    Leaf l = r.leaf;
    long s = 0;
    for (int i = 0; l.runs[i] != r; i++) {
      s += l.runs[i].vis();
    }
    Node c = l;
    for (Inner p = c.parent; p != null; c = p, p = p.parent) {
      for (int k = 0; p.kids[k] != c; k++) {
        s += p.kids[k].vis;
      }
    }
    return s;
  }

  /** The number of elements (removed ones too) before {@code r}. */
  long totalBefore(SeqRun r) {
    Leaf l = r.leaf;
    long s = 0;
    for (int i = 0; l.runs[i] != r; i++) {
      s += l.runs[i].len;
    }
    Node c = l;
    for (Inner p = c.parent; p != null; c = p, p = p.parent) {
      for (int k = 0; p.kids[k] != c; k++) {
        s += p.kids[k].total;
      }
    }
    return s;
  }

  /** Adds to the counts of {@code r}'s leaf and its ancestors (after {@code r} changed). */
  void adjust(SeqRun r, long dVis, long dTotal) {
    for (Node n = r.leaf; n != null; n = n.parent) {
      n.vis += dVis;
      n.total += dTotal;
    }
  }

  /** Inserts {@code run} right after {@code anchor}, or first if {@code anchor} is null. */
  void insertAfter(SeqRun anchor, SeqRun run) {
    if (anchor == null) {
      if (root == null) {
        Leaf l = new Leaf(2);
        root = l;
        first = l;
        last = l;
      }
      insertInLeaf(first, 0, run);
    } else {
      Leaf l = anchor.leaf;
      insertInLeaf(l, indexIn(l, anchor) + 1, run);
    }
  }

  /** Removes {@code run} (merged into a neighbour); its counts leave the sums. */
  void remove(SeqRun run) {
    adjust(run, -run.vis(), -run.len);
    Leaf l = run.leaf;
    int i = indexIn(l, run);
    System.arraycopy(l.runs, i + 1, l.runs, i, l.n - i - 1);
    l.runs[--l.n] = null;
    run.leaf = null;
    runCount--;
    if (l.n == 0) {
      if (l.prev != null) {
        l.prev.next = l.next;
      } else {
        first = l.next;
      }
      if (l.next != null) {
        l.next.prev = l.prev;
      } else {
        last = l.prev;
      }
      removeNode(l);
    }
  }

  private void removeNode(Node n) {
    Inner p = n.parent;
    if (p == null) {
      root = null;
      return;
    }
    int i = indexIn(p, n);
    System.arraycopy(p.kids, i + 1, p.kids, i, p.n - i - 1);
    p.kids[--p.n] = null;
    if (p.n == 0) {
      removeNode(p);
    }
  }

  /** Appends {@code run} after every other run. */
  void append(SeqRun run) {
    if (root == null) {
      insertAfter(null, run);
    } else {
      insertInLeaf(last, last.n, run);
    }
  }

  private void insertInLeaf(Leaf l, int i, SeqRun run) {
    if (l.n == l.runs.length) {
      if (l.runs.length < LEAF_CAP) {
        l.runs = Arrays.copyOf(l.runs, Math.min(LEAF_CAP, l.runs.length * 2));
      } else {
        Leaf r = splitLeaf(l);
        if (i > l.n) {
          i -= l.n;
          l = r;
        }
      }
    }
    System.arraycopy(l.runs, i, l.runs, i + 1, l.n - i);
    l.runs[i] = run;
    l.n++;
    run.leaf = l;
    runCount++;
    for (Node n = l; n != null; n = n.parent) {
      n.vis += run.vis();
      n.total += run.len;
    }
  }

  private Leaf splitLeaf(Leaf l) {
    int mid = l.n / 2;
    Leaf r = new Leaf(LEAF_CAP);
    int m = l.n - mid;
    System.arraycopy(l.runs, mid, r.runs, 0, m);
    Arrays.fill(l.runs, mid, l.n, null);
    l.n = mid;
    r.n = m;
    for (int k = 0; k < m; k++) {
      r.runs[k].leaf = r;
    }
    recompute(l);
    recompute(r);
    r.next = l.next;
    if (r.next != null) {
      r.next.prev = r;
    } else {
      last = r;
    }
    l.next = r;
    r.prev = l;
    insertSibling(l, r);
    return r;
  }

  /** Puts {@code right} (which holds part of what {@code left} held) after {@code left}. */
  private void insertSibling(Node left, Node right) {
    Inner p = left.parent;
    if (p == null) {
      Inner top = new Inner();
      top.kids[0] = left;
      top.kids[1] = right;
      top.n = 2;
      left.parent = top;
      right.parent = top;
      recompute(top);
      root = top;
      return;
    }
    int i = indexIn(p, left);
    if (p.n < INNER_CAP) {
      System.arraycopy(p.kids, i + 1, p.kids, i + 2, p.n - i - 1);
      p.kids[i + 1] = right;
      p.n++;
      right.parent = p;
      return;
    }
    int mid = p.n / 2;
    Inner q = new Inner();
    int m = p.n - mid;
    System.arraycopy(p.kids, mid, q.kids, 0, m);
    Arrays.fill(p.kids, mid, p.n, null);
    p.n = mid;
    q.n = m;
    for (int k = 0; k < m; k++) {
      q.kids[k].parent = q;
    }
    Inner target = i < mid ? p : q;
    int at = (i < mid ? i : i - mid) + 1;
    System.arraycopy(target.kids, at, target.kids, at + 1, target.n - at);
    target.kids[at] = right;
    target.n++;
    right.parent = target;
    recompute(p);
    recompute(q);
    insertSibling(p, q);
  }

  private static void recompute(Node n) {
    long v = 0;
    long t = 0;
    if (n instanceof Leaf l) {
      
      for (int k = 0; k < l.n; k++) {
        v += l.runs[k].vis();
        t += l.runs[k].len;
      }
    } else {
      Inner in = (Inner) n;
      for (int k = 0; k < in.n; k++) {
        v += in.kids[k].vis;
        t += in.kids[k].total;
      }
    }
    n.vis = v;
    n.total = t;
  }
}
