package dev.meridian.crdt.store;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A {@link DotSeq}'s integration of records and its joins and copies: placing a record by the
 * YjsMod rule, parking records whose origins have not arrived and waking them when they do, joining
 * another sequence, and copying a subset of records in order. Package-private; one per sequence,
 * made on first use, holding the scratch state of these operations.
 */
final class SeqMerge {
  private final DotSeq seq;
  /** Records added by the join in progress, integrated origins first at its end. */
  private List<SeqRun> batch;
  /** Waiting runs by the id they wait for; built on the first integration that may wake one. */
  private Map<ReplicaId, TreeMap<Long, List<SeqRun>>> blocked;
  private java.util.ArrayDeque<SeqRun> wakeQueue;
  private boolean waking;
  private int scanEpoch;
  private int visitEpoch;
  /** A non-keyed join is in progress: runs' visit marks decide what its second phase removes. */
  private boolean marksMatter;

  SeqMerge(DotSeq seq) {
    this.seq = seq;
  }

  /** A waiting run was added: file it, if the registry is built. */
  void waitingAdded(SeqRun r) {
    if (blocked != null) {
      register(r);
    }
  }

  /** DotSeq#join of another sequence into this one (see the design notes of DotSeq). */
  void join(DotSeq o, CausalContext selfContext, CausalContext otherContext, boolean otherKeyed,
      boolean keepEmpty) {
    seq.cursor = null;
    int visit = ++visitEpoch;
    marksMatter = !otherKeyed;
    boolean direct = seq.index.size() == 0;
    batch = new ArrayList<>();
    for (SeqTree.Leaf l = o.tree == null ? null : o.tree.firstLeaf(); l != null; l = l.next) {
      for (int i = 0; i < l.n; i++) {
        merge(l.runs[i], direct, selfContext, otherContext, otherKeyed, keepEmpty);
      }
    }
    // Waiting runs in id order: a replica's later elements come after those they follow.
    if (o.waitingN == 1) {
      merge(o.waiting[0], false, selfContext, otherContext, otherKeyed, keepEmpty);
    } else if (o.waitingN > 1) {
      for (SeqRun w : o.waitingById()) {
        merge(w, false, selfContext, otherContext, otherKeyed, keepEmpty);
      }
    }
    if (batch != null) {
      integrateBatch(batch);
      batch = null;
    }
    if (!otherKeyed && !otherContext.isEmpty() && !direct) {
      for (SeqRun r : seq.allRuns()) {
        if (r.seen != visit) {
          seq.removeIn(r, otherContext);
        }
      }
    }
    marksMatter = false;
  }

  /** Adds a record none of whose elements is here: integrates it, or parks it for an origin. */
  void addRecord(SeqRun run) {
    if (ready(run)) {
      integrate(run, false);
      return;
    }
    park(run);
  }
  /** Adds a record whose origins are not all here, unindexed, to the seq.waiting runs. */
  private void park(SeqRun run) {
    if (seq.text && !marksMatter) {
      SeqRun prev = run.start > 1 ? seq.index.find(run.replica, run.start - 1) : null;
      if (prev != null && prev.leaf == null && prev.live == run.live && prev.chainsTo(run)) {
        if (run.live) {
          DotSeq.appendChars(prev, run.chars, run.len);
        }
        prev.len += run.len;
        return;
      }
    }
    seq.index.put(run);
    seq.addWaiting(run);
  }
  boolean ready(SeqRun r) {
    if (r.leftReplica != null) {
      SeqRun l = seq.index.find(r.leftReplica, r.leftCounter);
      if (l == null || l.leaf == null) {
        return false;
      }
    }
    if (r.rightReplica != null) {
      SeqRun x = seq.index.find(r.rightReplica, r.rightCounter);
      return x != null && x.leaf != null;
    }
    return true;
  }
  /** Integrates a run whose origins are integrated (YjsMod; see the design notes). */
  private void integrate(SeqRun run, boolean indexed) {
    if (seq.tree == null) {
      seq.tree = new SeqTree();
    }
    SeqRun left = null;
    if (run.leftReplica != null) {
      left = seq.index.find(run.leftReplica, run.leftCounter);
      if (run.leftCounter < left.end()) {
        seq.split(left, (int) (run.leftCounter - left.start + 1));
      }
    }
    SeqRun right = null;
    if (run.rightReplica != null) {
      right = seq.index.find(run.rightReplica, run.rightCounter);
      if (run.rightCounter > right.start) {
        right = seq.split(right, (int) (run.rightCounter - right.start));
      }
    }
    SeqRun first = left == null ? seq.tree.firstRun() : seq.tree.next(left);
    SeqRun anchor = first == right ? left : scan(run, left, right, first);
    ReplicaId rep = run.replica;
    long lo = run.start;
    long hi = run.end();
    if (seq.waitingN > 0 && blocked == null) {
      // Filed before the run is placed, so each waiting run is filed under what it waits for.
      blocked = new HashMap<>();
      for (int i = 0; i < seq.waitingN; i++) {
        register(seq.waiting[i]);
      }
    }
    placeAfter(run, anchor, indexed);
    if (seq.waitingN > 0) {
      wake(rep, lo, hi);
    }
  }
  /** Puts an integrated run after {@code anchor}, merging it into the anchor if it chains. */
  private void placeAfter(SeqRun run, SeqRun anchor, boolean indexed) {
    if (anchor != null && seq.text && anchor.chainsTo(run) && anchor.live == run.live
        && (!marksMatter || anchor.seen == run.seen)) {
      if (indexed) {
        seq.index.remove(run);
      }
      if (run.live) {
        DotSeq.appendChars(anchor, run.chars, run.len);
      }
      anchor.len += run.len;
      seq.tree.adjust(anchor, run.vis(), run.len);
      run.leaf = anchor.leaf; // marks the ids as integrated for callers holding `run`
      return;
    }
    seq.tree.insertAfter(anchor, run);
    if (!indexed) {
      seq.index.put(run);
    }
  }
  /**
   * The YjsMod scan over the runs between the new run's origins: returns the run to insert after
   * (null: first). Each run is judged by its first element; the others have their predecessor,
   * inside the region, as left origin, so they are skipped as the item-by-item rule would.
   */
  private SeqRun scan(SeqRun run, SeqRun left, SeqRun right, SeqRun first) {
    int epoch = ++scanEpoch;
    List<SeqRun> region = new ArrayList<>();
    for (SeqRun x = first; x != right && x != null; x = seq.tree.next(x)) {
      x.mark = epoch;
      region.add(x);
    }
    int dest = 0;
    boolean scanning = false;
    for (int i = 0; ; i++) {
      if (!scanning) {
        dest = i;
      }
      if (i == region.size()) {
        break;
      }
      SeqRun o = region.get(i);
      int cl = compareLeft(o, run, epoch);
      if (cl < 0) {
        break;
      }
      if (cl > 0) {
        continue;
      }
      int cr = compareRight(o, run, epoch);
      if (cr < 0) {
        scanning = true;
        continue;
      }
      if (cr == 0 && goesBefore(run, o)) {
        break;
      }
      scanning = false;
    }
    return dest == 0 ? left : region.get(dest - 1);
  }
  /** Where o's left origin is relative to run's: -1 before, 0 same, 1 inside the scanned region. */
  private int compareLeft(SeqRun o, SeqRun run, int epoch) {
    if (o.leftReplica == null) {
      return run.leftReplica == null ? 0 : -1;
    }
    if (o.leftReplica.equals(run.leftReplica) && o.leftCounter == run.leftCounter) {
      return 0;
    }
    SeqRun x = seq.index.find(o.leftReplica, o.leftCounter);
    return x != null && x.leaf != null && x.mark == epoch ? 1 : -1;
  }
  /** Where o's right origin is relative to run's: -1 inside the region, 0 same, 1 after. */
  private int compareRight(SeqRun o, SeqRun run, int epoch) {
    if (o.rightReplica == null) {
      return run.rightReplica == null ? 0 : 1;
    }
    if (o.rightReplica.equals(run.rightReplica) && o.rightCounter == run.rightCounter) {
      return 0;
    }
    SeqRun x = seq.index.find(o.rightReplica, o.rightCounter);
    return x != null && x.leaf != null && x.mark == epoch ? -1 : 1;
  }
  private static boolean goesBefore(SeqRun a, SeqRun b) {
    int c = a.replica.compareTo(b.replica);
    return c != 0 ? c < 0 : a.start < b.start;
  }
  /** Files a seq.waiting run under the first of its origins that is absent or seq.waiting itself. */
  private void register(SeqRun w) {
    ReplicaId r = w.leftReplica;
    long c = w.leftCounter;
    if (r != null) {
      SeqRun l = seq.index.find(r, c);
      if (l != null && l.leaf != null) {
        r = null;
      }
    }
    if (r == null) {
      r = w.rightReplica;
      c = w.rightCounter;
      SeqRun x = r == null ? null : seq.index.find(r, c);
      if (r == null || (x != null && x.leaf != null)) {
        // Both origins integrated: only a forged record that refers into itself gets here.
        r = w.replica;
        c = w.start;
      }
    }
    blocked.computeIfAbsent(r, k -> new TreeMap<>()).computeIfAbsent(c, k -> new ArrayList<>(1)).add(w);
  }
  private boolean isWaiting(SeqRun w) {
    return w.leaf == null && w.slot < seq.waitingN && seq.waiting[w.slot] == w;
  }
  /** Integrates the seq.waiting runs filed under ids {@code (r, lo..hi)}, just integrated. */
  private void wake(ReplicaId r, long lo, long hi) {
    TreeMap<Long, List<SeqRun>> byCounter = blocked.get(r);
    if (byCounter == null) {
      return;
    }
    Map<Long, List<SeqRun>> woken = byCounter.subMap(lo, true, hi, true);
    if (woken.isEmpty()) {
      return;
    }
    if (wakeQueue == null) {
      wakeQueue = new java.util.ArrayDeque<>();
    }
    woken.values().forEach(wakeQueue::addAll);
    woken.clear();
    if (waking) {
      return;
    }
    waking = true;
    while (!wakeQueue.isEmpty()) {
      SeqRun w = wakeQueue.poll();
      if (!isWaiting(w)) {
        continue;
      }
      if (ready(w)) {
        seq.removeWaiting(w);
        integrate(w, true);
      } else {
        register(w);
      }
    }
    waking = false;
  }
  /** Joins one record of the other side (its elements' presence and values) into this store. */
  private void merge(SeqRun x, boolean direct, CausalContext selfContext,
      CausalContext otherContext, boolean otherKeyed, boolean keepEmpty) {
    long pos = x.start;
    long end = x.end();
    while (pos <= end) {
      SeqRun mine = direct ? null : seq.index.find(x.replica, pos);
      if (mine != null) {
        long stop = Math.min(end, mine.end());
        SeqRun part = seq.isolate(mine, pos, stop);
        mergeInto(part, x, (int) (pos - x.start), selfContext, otherContext, otherKeyed, keepEmpty);
        pos = stop + 1;
      } else {
        SeqRun next = direct ? null : seq.index.ceiling(x.replica, pos);
        long stop = next == null ? end : Math.min(end, next.start - 1);
        addFrom(x, pos, stop, direct, selfContext, keepEmpty);
        pos = stop + 1;
      }
    }
  }
  private void mergeInto(SeqRun part, SeqRun x, int xo, CausalContext selfContext,
      CausalContext otherContext, boolean otherKeyed, boolean keepEmpty) {
    part.seen = visitEpoch;
    if (seq.text) {
      if (part.live && !x.live) {
        seq.forPieces(part, otherContext, true, seq::kill);
      } else if (!part.live && x.live) {
        long base = part.start;
        seq.forPieces(part, selfContext, false, p -> {
          p.live = true;
          p.chars = Arrays.copyOfRange(x.chars, xo + (int) (p.start - base),
              xo + (int) (p.start - base) + p.len);
          seq.updateVisible(p);
        });
      }
      return;
    }
    if (part.live && !x.live && otherContext.contains(part.replica, part.start)) {
      part.live = false;
    } else if (!part.live && x.live && !selfContext.contains(part.replica, part.start)) {
      part.live = true;
    }
    if (part.type == x.type) {
      part.value.join(selfContext, x.value, otherContext, otherKeyed, keepEmpty);
    }
    seq.updateVisible(part);
  }
  /** Adds the elements {@code [a, b]} of the other side's record {@code x}, absent here. */
  private void addFrom(SeqRun x, long a, long b, boolean direct, CausalContext selfContext,
      boolean keepEmpty) {
    if (!seq.text) {
      SeqRun s = new SeqRun(x.replica, x.start, 1, x.leftReplica, x.leftCounter, x.rightReplica,
          x.rightCounter);
      s.type = x.type;
      s.live = x.live && !selfContext.contains(x.replica, x.start);
      s.value = x.value.copyOutside(selfContext, keepEmpty);
      s.visible = s.live || s.value.isVisible();
      place(s, direct);
      return;
    }
    long c = a;
    while (c <= b) {
      boolean seen = x.live && selfContext.contains(x.replica, c);
      long e = x.live ? selfContext.sameUntil(x.replica, c, b) : b;
      SeqRun s = x.slice((int) (c - x.start), (int) (e - c + 1));
      if (seen) {
        s.live = false;
        s.visible = false;
        s.chars = null;
      }
      place(s, direct);
      c = e + 1;
    }
  }
  private void place(SeqRun s, boolean direct) {
    s.seen = visitEpoch;
    if (direct) {
      if (seq.tree == null) {
        seq.tree = new SeqTree();
      }
      seq.tree.append(s);
      seq.index.put(s);
    } else {
      s.reach = 4;
      seq.index.put(s);
      batch.add(s);
    }
  }
  /**
   * Integrates the records a join added, origins first (a depth-first walk over their origins), so
   * none waits for another record of the same join; those whose origins are nowhere here wait.
   */
  private void integrateBatch(List<SeqRun> added) {
    List<SeqRun> stack = new ArrayList<>();
    for (SeqRun x : added) {
      if (x.reach != 4) {
        continue;
      }
      stack.add(x);
      while (!stack.isEmpty()) {
        SeqRun y = stack.get(stack.size() - 1);
        if (y.reach != 4 && y.reach != 3) {
          stack.remove(stack.size() - 1);
          continue;
        }
        y.reach = 3;
        SeqRun l = y.leftReplica == null ? null : seq.index.find(y.leftReplica, y.leftCounter);
        SeqRun r = y.rightReplica == null ? null : seq.index.find(y.rightReplica, y.rightCounter);
        if (l != null && l.reach == 4 && l.leaf == null) {
          stack.add(l);
        } else if (r != null && r.reach == 4 && r.leaf == null) {
          stack.add(r);
        } else {
          stack.remove(stack.size() - 1);
          boolean ready = (y.leftReplica == null || (l != null && l.leaf != null))
              && (y.rightReplica == null || (r != null && r.leaf != null));
          y.reach = 0;
          if (ready) {
            integrate(y, true);
          } else {
            seq.index.remove(y);
            park(y);
          }
        }
      }
    }
  }
  /**
   * Fills this empty store with some of another store's records: {@code ordered}, pieces of its
   * integrated runs in its order, and {@code parked}, pieces of its waiting runs. The pieces
   * reachable through origins that are here form a subset closed under origins, whose FugueMax
   * order is the other store's order restricted to it (whole subtrees are missing), so they are
   * appended as they come; the rest wait. O(n log n), with no integration scans.
   */
  void adopt(List<SeqRun> ordered, List<SeqRun> parked) {
    for (SeqRun x : ordered) {
      x.reach = 0;
      seq.index.put(x);
    }
    for (SeqRun x : parked) {
      x.reach = 2;
      seq.index.put(x);
    }
    List<SeqRun> stack = new ArrayList<>();
    for (SeqRun x : ordered) {
      if (decideReach(x, stack)) {
        if (seq.tree == null) {
          seq.tree = new SeqTree();
        }
        seq.tree.append(x);
      } else {
        seq.addWaiting(x);
      }
    }
    for (SeqRun x : parked) {
      seq.addWaiting(x);
    }
  }
  /** Whether {@code x}'s origins are here and reachable in turn (iterative: chains are long). */
  private boolean decideReach(SeqRun x, List<SeqRun> stack) {
    stack.add(x);
    while (!stack.isEmpty()) {
      SeqRun y = stack.get(stack.size() - 1);
      if (y.reach == 1 || y.reach == 2) {
        stack.remove(stack.size() - 1);
        continue;
      }
      y.reach = 3;
      SeqRun l = y.leftReplica == null ? null : seq.index.find(y.leftReplica, y.leftCounter);
      SeqRun r = y.rightReplica == null ? null : seq.index.find(y.rightReplica, y.rightCounter);
      boolean missing = (y.leftReplica != null && (l == null || l.reach >= 2))
          || (y.rightReplica != null && (r == null || r.reach >= 2));
      if (missing) {
        y.reach = 2;
        stack.remove(stack.size() - 1);
      } else if (l != null && l.reach == 0) {
        stack.add(l);
      } else if (r != null && r.reach == 0) {
        stack.add(r);
      } else {
        y.reach = 1;
        stack.remove(stack.size() - 1);
      }
    }
    return x.reach == 1;
  }

  /** DotSeq#copyOutside. */
  static DotSeq copyOutside(DotSeq seq, CausalContext exclude, boolean keepEmpty) {
    DotSeq out = new DotSeq(seq.text);
    List<SeqRun> all = seq.allRuns();
    boolean anyExcluded = false;
    if (exclude != null) {
      for (SeqRun r : all) {
        if (exclude.containsAny(r.replica, r.start, r.end())) {
          anyExcluded = true;
          break;
        }
      }
    }
    if (!anyExcluded) {
      for (SeqRun r : all) {
        SeqRun c = r.slice(0, r.len);
        c.seen = 0;
        if (!seq.text) {
          c.value = r.value.copyOutside(exclude, keepEmpty);
          c.visible = c.live || c.value.isVisible();
        }
        if (r.leaf != null) {
          if (out.tree == null) {
            out.tree = new SeqTree();
          }
          out.tree.append(c);
        } else {
          out.addWaiting(c);
        }
        out.index.put(c);
      }
      return out;
    }
    List<SeqRun> ordered = new ArrayList<>();
    List<SeqRun> waitingPieces = new ArrayList<>();
    for (SeqRun r : all) {
      List<SeqRun> to = r.leaf != null ? ordered : waitingPieces;
      if (seq.text) {
        long c = r.start;
        while (c <= r.end()) {
          boolean in = exclude.contains(r.replica, c);
          long e = exclude.sameUntil(r.replica, c, r.end());
          if (!in) {
            SeqRun s = r.slice((int) (c - r.start), (int) (e - c + 1));
            s.seen = 0;
            to.add(s);
          }
          c = e + 1;
        }
      } else {
        DotStore v = r.value.copyOutside(exclude, keepEmpty);
        boolean in = exclude.contains(r.replica, r.start);
        if (!in || !v.isEmpty()) {
          SeqRun s = new SeqRun(r.replica, r.start, 1, r.leftReplica, r.leftCounter,
              r.rightReplica, r.rightCounter);
          s.type = r.type;
          s.live = r.live && !in;
          s.value = v;
          s.visible = s.live || v.isVisible();
          to.add(s);
        }
      }
    }
    out.merger().adopt(ordered, waitingPieces);
    return out;
  }

  /** DotSeq#skeleton: the records holding dots, removed, with their values' skeletons. */
  static DotSeq skeleton(DotSeq seq) {
    DotSeq out = new DotSeq(seq.text);
    List<SeqRun> ordered = new ArrayList<>();
    List<SeqRun> parked = new ArrayList<>();
    for (SeqRun r : seq.allRuns()) {
      if (r.live || (!seq.text && !r.value.isEmpty())) {
        SeqRun t = r.slice(0, r.len);
        t.live = false;
        t.chars = null;
        t.seen = 0;
        if (!seq.text) {
          t.value = r.value.skeleton();
        }
        t.visible = false;
        (r.leaf != null ? ordered : parked).add(t);
      }
    }
    out.merger().adopt(ordered, parked);
    return out;
  }
}
