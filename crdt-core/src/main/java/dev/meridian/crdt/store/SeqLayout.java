package dev.meridian.crdt.store;

import static dev.meridian.crdt.Preconditions.requireArgument;

import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.ReplicaId;
import java.util.ArrayList;
import java.util.List;

/**
 * Lays a {@link DotSeq} out as {@link SeqColumns} and rebuilds it, for codecs. Package-private.
 */
final class SeqLayout {
  /*
   * Design notes.
   * [1] Encode order. Integrated records are grouped into units by id order: maximal chains of
   *     consecutive ids whose elements follow one another (left origin the predecessor, one right
   *     origin). A replica typing sequentially writes a few long chains, whatever was inserted
   *     between their characters later.
   * [2] Positions. Processing units in encode order, a unit's position is the number of already
   *     processed elements before its first element in sequence order (a Fenwick tree over the
   *     runs in sequence order). The decoder inserts each unit at its position among the elements
   *     inserted so far: that rebuilds the sequence order, as long as no element processed earlier
   *     lies between two pieces of one unit. A chain with such an element between its pieces is cut
   *     there into several units (only concurrent histories do that).
   * [3] Origins. When a unit is inserted, the element before its position and the one after it
   *     are exactly its origins if the elements processed before it are those its writer had seen
   *     (true for a replica's own history in counter order): then nothing is written for them.
   *     Otherwise they are written out (explicit).
   * [4] Equal stores lay out equally: units, removed runs and characters are functions of the
   *     elements, not of how runs happen to be split in memory.
   */
  private SeqLayout() {}

  private static final int MAX_RUN = Integer.MAX_VALUE;

  static SeqColumns columns(DotSeq s) {
    List<SeqRun> doc = new ArrayList<>(s.index.size());
    for (SeqTree.Leaf l = s.tree == null ? null : s.tree.firstLeaf(); l != null; l = l.next) {
      for (int i = 0; i < l.n; i++) {
        l.runs[i].order = doc.size();
        doc.add(l.runs[i]);
      }
    }
    List<SeqRun> ids = new ArrayList<>(doc.size());
    List<SeqRun> waitingRuns = new ArrayList<>();
    for (SeqRun r : s.index.sorted()) {
      (r.leaf != null ? ids : waitingRuns).add(r);
    }
    Fenwick processed = new Fenwick(doc.size());
    List<SeqColumns.Unit> units = new ArrayList<>();
    List<SeqRun> unitRuns = new ArrayList<>(ids.size());
    int i = 0;
    while (i < ids.size()) {
      int j = i + 1;
      while (j < ids.size() && chains(ids.get(j - 1), ids.get(j))) {
        j++;
      }
      int from = i;
      for (int k = i + 1; k <= j; k++) {
        boolean cut = k == j;
        if (!cut) {
          int a = ids.get(k - 1).order;
          int b = ids.get(k).order;
          cut = b != a + 1 && processed.sum(a + 1, b - 1) > 0;
        }
        if (cut) {
          units.add(unit(ids.subList(from, k), doc, processed));
          unitRuns.addAll(ids.subList(from, k));
          from = k;
        }
      }
      i = j;
    }

    List<Long> removed = new ArrayList<>();
    boolean present = true;
    long run = 0;
    for (SeqRun r : unitRuns) {
      if (r.live != present) {
        removed.add(run);
        present = r.live;
        run = 0;
      }
      run += r.len;
    }
    if (run > 0) {
      removed.add(run);
    }

    StringBuilder chars = new StringBuilder();
    List<CrdtType> types = new ArrayList<>();
    List<DotStore> values = new ArrayList<>();
    if (s.text) {
      for (SeqRun r : doc) {
        if (r.live) {
          chars.append(r.chars, 0, r.len);
        }
      }
    } else {
      for (SeqRun r : unitRuns) {
        types.add(r.type);
        values.add(r.value);
      }
    }

    List<SeqColumns.Unit> waiting = new ArrayList<>();
    StringBuilder waitingChars = new StringBuilder();
    int w = 0;
    while (w < waitingRuns.size()) {
      SeqRun first = waitingRuns.get(w);
      long len = first.len;
      int x = w + 1;
      while (x < waitingRuns.size() && chains(waitingRuns.get(x - 1), waitingRuns.get(x))
          && waitingRuns.get(x).live == first.live) {
        len += waitingRuns.get(x).len;
        x++;
      }
      waiting.add(new SeqColumns.Unit(first.replica, first.start, len, -1, true,
          first.leftReplica, first.leftCounter, true, first.rightReplica, first.rightCounter,
          first.live));
      for (SeqRun r : waitingRuns.subList(w, x)) {
        if (s.text && r.live) {
          waitingChars.append(r.chars, 0, r.len);
        } else if (!s.text) {
          types.add(r.type);
          values.add(r.value);
        }
      }
      w = x;
    }
    long[] removedRuns = new long[removed.size()];
    for (int k = 0; k < removedRuns.length; k++) {
      removedRuns[k] = removed.get(k);
    }
    return new SeqColumns(s.text, units, removedRuns, chars.toString(), waiting,
        waitingChars.toString(), types, values);
  }

  /** True if {@code b} continues {@code a}'s chain (consecutive ids, b after a, one right origin). */
  private static boolean chains(SeqRun a, SeqRun b) {
    return a.chainsTo(b);
  }

  private static SeqColumns.Unit unit(List<SeqRun> runs, List<SeqRun> doc, Fenwick processed) {
    SeqRun f = runs.get(0);
    long p = processed.sum(0, f.order - 1);
    ReplicaId dlr = null;
    long dlc = 0;
    if (p > 0) {
      SeqRun x = doc.get(processed.select(p));
      dlr = x.replica;
      dlc = x.end();
    }
    ReplicaId drr = null;
    long drc = 0;
    if (p < processed.total()) {
      SeqRun y = doc.get(processed.select(p + 1));
      drr = y.replica;
      drc = y.start;
    }
    long len = 0;
    for (SeqRun r : runs) {
      len += r.len;
      processed.add(r.order, r.len);
    }
    boolean leftExplicit = !same(f.leftReplica, f.leftCounter, dlr, dlc);
    boolean rightExplicit = !same(f.rightReplica, f.rightCounter, drr, drc);
    return new SeqColumns.Unit(f.replica, f.start, len, p, leftExplicit, f.leftReplica,
        f.leftCounter, rightExplicit, f.rightReplica, f.rightCounter, true);
  }

  private static boolean same(ReplicaId a, long ac, ReplicaId b, long bc) {
    return a == null ? b == null : a.equals(b) && ac == bc;
  }

  // ---- decoding -------------------------------------------------------------------------------

  static DotSeq build(SeqColumns c) {
    boolean text = c.text();
    DotSeq s = new DotSeq(text);
    s.tree = new SeqTree();
    long[] removed = c.removed();
    for (int k = 0; k < removed.length; k++) {
      if (removed[k] < 0 || (removed[k] == 0 && k != 0)) {
        requireArgument(false, "bad removed run %s", removed[k]);
      }
    }
    int ri = 0;
    long runLeft = removed.length == 0 ? 0 : removed[0];
    boolean present = true;
    int element = 0;
    long total = 0;
    List<SeqRun[]> explicit = new ArrayList<>();
    List<SeqColumns.Unit> explicitUnits = new ArrayList<>();
    for (SeqColumns.Unit u : c.units()) {
      checkIds(s, u);
      if (u.position() < 0 || u.position() > total) {
        requireArgument(false, "position %s past the %s elements before it", u.position(), total);
      }
      SeqRun anchor = null;
      ReplicaId dlr = null;
      long dlc = 0;
      if (u.position() > 0) {
        SeqRun r = s.tree.findTotal(u.position() - 1);
        int off = (int) s.tree.foundOffset;
        if (off < r.len - 1) {
          s.split(r, off + 1);
        }
        anchor = r;
        dlr = r.replica;
        dlc = r.end();
      }
      SeqRun next = anchor == null ? s.tree.firstRun() : s.tree.next(anchor);
      ReplicaId lr = u.leftExplicit() ? u.leftReplica() : dlr;
      long lc = u.leftExplicit() ? u.leftCounter() : dlc;
      ReplicaId rr = u.rightExplicit() ? u.rightReplica() : next == null ? null : next.replica;
      long rc = u.rightExplicit() ? u.rightCounter() : next == null ? 0 : next.start;
      long at = u.start();
      long remaining = u.length();
      SeqRun firstRun = null;
      while (remaining > 0) {
        while (runLeft == 0) {
          ri++;
          requireArgument(ri < removed.length, "the removed runs cover fewer elements than the units");
          present = !present;
          runLeft = removed[ri];
        }
        long take = text ? Math.min(Math.min(remaining, runLeft), MAX_RUN) : 1;
        SeqRun run = at == u.start()
            ? new SeqRun(u.replica(), at, (int) take, lr, lc, rr, rc)
            : new SeqRun(u.replica(), at, (int) take, u.replica(), at - 1, rr, rc);
        run.live = present;
        if (!text) {
          requireArgument(element < c.types().size(), "more list elements than types");
          element(run, c, element++);
        } else {
          run.visible = present;
        }
        s.tree.insertAfter(anchor, run);
        s.index.put(run);
        if (firstRun == null) {
          firstRun = run;
        }
        anchor = run;
        at += take;
        remaining -= take;
        runLeft -= take;
      }
      total += u.length();
      if (u.leftExplicit() || u.rightExplicit()) {
        explicit.add(new SeqRun[] {firstRun, anchor});
        explicitUnits.add(u);
      }
    }
    requireArgument(runLeft == 0 && ri == Math.max(0, removed.length - 1),
        "the removed runs cover more elements than the units");
    if (text) {
      assignChars(s, c.chars());
    } else {
      requireArgument(c.chars().isEmpty() && c.waitingChars().isEmpty(), "a list has no characters");
    }
    for (int k = 0; k < explicit.size(); k++) {
      checkOrigins(s, explicit.get(k)[0], explicit.get(k)[1], explicitUnits.get(k));
    }
    addWaiting(s, c, element);
    return s;
  }

  private static void element(SeqRun run, SeqColumns c, int element) {
    run.type = c.types().get(element);
    run.value = c.values().get(element);
    if (run.type == null || run.value == null) {
      requireArgument(false, "list element %s without a value", element);
    }
    run.visible = run.live || run.value.isVisible();
  }

  private static void checkIds(DotSeq s, SeqColumns.Unit u) {
    requireArgument(u.replica() != null, "a unit without a replica");
    if (u.start() < 1 || u.length() < 1 || u.start() > (1L << 62) - u.length()) {
      requireArgument(false, "bad element ids %s..+%s", u.start(), u.length());
    }
    SeqRun clash = s.index.find(u.replica(), u.start());
    SeqRun after = s.index.ceiling(u.replica(), u.start());
    if (clash != null || (after != null && after.start <= u.start() + u.length() - 1)) {
      requireArgument(false, "element ids %s:%s..+%s appear twice", u.replica(), u.start(), u.length());
    }
  }

  private static void assignChars(DotSeq s, String chars) {
    int at = 0;
    for (SeqTree.Leaf l = s.tree.firstLeaf(); l != null; l = l.next) {
      for (int i = 0; i < l.n; i++) {
        SeqRun r = l.runs[i];
        if (r.live) {
          requireArgument(at + (long) r.len <= chars.length(), "fewer characters than present elements");
          r.chars = new char[r.len];
          chars.getChars(at, at + r.len, r.chars, 0);
          at += r.len;
        }
      }
    }
    requireArgument(at == chars.length(), "more characters than present elements");
  }

  /** Explicit origins must be integrated elements on the right sides of the unit. */
  private static void checkOrigins(DotSeq s, SeqRun first, SeqRun last, SeqColumns.Unit u) {
    long firstPos = s.tree.totalBefore(first);
    long lastPos = s.tree.totalBefore(last) + last.len - 1;
    if (u.leftExplicit() && u.leftReplica() != null) {
      SeqRun l = s.index.find(u.leftReplica(), u.leftCounter());
      requireArgument(l != null && l.leaf != null
          && s.tree.totalBefore(l) + (u.leftCounter() - l.start) < firstPos,
          "left origin %s:%s is not an element before its unit", u.leftReplica(), u.leftCounter());
    }
    if (u.rightExplicit() && u.rightReplica() != null) {
      SeqRun r = s.index.find(u.rightReplica(), u.rightCounter());
      requireArgument(r != null && r.leaf != null
          && s.tree.totalBefore(r) + (u.rightCounter() - r.start) > lastPos,
          "right origin %s:%s is not an element after its unit", u.rightReplica(), u.rightCounter());
    }
  }

  private static void addWaiting(DotSeq s, SeqColumns c, int element) {
    String chars = c.waitingChars();
    int at = 0;
    List<SeqRun> added = new ArrayList<>();
    for (SeqColumns.Unit u : c.waiting()) {
      checkIds(s, u);
      requireArgument(u.position() == -1 && u.leftExplicit() && u.rightExplicit(),
          "a waiting unit has explicit origins and no position");
      long pos = u.start();
      long remaining = u.length();
      while (remaining > 0) {
        long take = s.text ? Math.min(remaining, MAX_RUN) : 1;
        SeqRun run = pos == u.start()
            ? new SeqRun(u.replica(), pos, (int) take, u.leftReplica(), u.leftCounter(),
                u.rightReplica(), u.rightCounter())
            : new SeqRun(u.replica(), pos, (int) take, u.replica(), pos - 1, u.rightReplica(),
                u.rightCounter());
        run.live = u.present();
        if (s.text) {
          run.visible = run.live;
          if (run.live) {
            requireArgument(at + take <= chars.length(), "fewer waiting characters than elements");
            run.chars = new char[run.len];
            chars.getChars(at, at + run.len, run.chars, 0);
            at += run.len;
          }
        } else {
          requireArgument(element < c.types().size(), "more list elements than types");
          element(run, c, element++);
        }
        s.index.put(run);
        added.add(run);
        pos += take;
        remaining -= take;
      }
    }
    requireArgument(at == chars.length(), "more waiting characters than elements");
    requireArgument(element == c.types().size() && element == c.values().size(),
        "%s types and %s values for %s list elements", c.types().size(), c.values().size(), element);
    for (SeqRun run : added) {
      if (s.merger().ready(run)) {
        requireArgument(false, "a waiting record %s:%s whose origins are here", run.replica, run.start);
      }
      s.addWaiting(run);
    }
  }

  /** Sums and searches over weights in sequence order. */
  private static final class Fenwick {
    private final long[] tree;
    private long total;

    Fenwick(int n) {
      tree = new long[n + 1];
    }

    void add(int i, long v) {
      total += v;
      for (int k = i + 1; k < tree.length; k += k & -k) {
        tree[k] += v;
      }
    }

    long total() {
      return total;
    }

    /** The sum of weights {@code [0, i]} (0 if {@code i < 0}). */
    private long prefix(int i) {
      long s = 0;
      for (int k = i + 1; k > 0; k -= k & -k) {
        s += tree[k];
      }
      return s;
    }

    /** The sum of weights {@code [from, to]}. */
    long sum(int from, int to) {
      return to < from ? 0 : prefix(to) - prefix(from - 1);
    }

    /** The smallest i with prefix(i) >= target ({@code 1 <= target <= total}). */
    int select(long target) {
      int pos = 0;
      int step = Integer.highestOneBit(Math.max(1, tree.length - 1));
      for (; step > 0; step >>= 1) {
        int next = pos + step;
        if (next < tree.length && tree[next] < target) {
          pos = next;
          target -= tree[next];
        }
      }
      return pos;
    }
  }
}
