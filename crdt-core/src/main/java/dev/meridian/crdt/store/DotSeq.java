package dev.meridian.crdt.store;

import static dev.meridian.crdt.Preconditions.requireArgument;

import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.Dot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * A sequence of elements identified by dots, in a non-interleaving order: the store of {@code
 * Text} (characters) and {@code OrList} (document values). Every element has an id (the dot that
 * inserted it) and two origins, the elements it was inserted between; the order of the elements is
 * a function of the set of these records alone (FugueMax, which the YjsMod integration below
 * computes), so replicas that hold the same records hold them in the same order, whatever the
 * order they arrived in.
 *
 * <p>An element's own dot is its presence: it is held while the element is not removed. A list
 * element also holds a value store (sharing the enclosing context), and shows while its presence
 * or its value does, so an update of a value concurrent with the element's removal survives, as a
 * key's value does in an observed-remove map. Removing an element removes the dots the remover saw;
 * the record (id and origins, no content) stays, because other elements may be ordered by it.
 *
 * <p>Join: records are united (a record whose origins are missing waits until they arrive); an
 * element's presence and value follow the dot-store join under the two contexts. A keyed delta
 * names (carries the records of) every element it changes, so joining it visits only those.
 *
 * @see <a href="https://arxiv.org/abs/2305.00583">Weidner, Kleppmann: The Art of the Fugue:
 *     Minimizing Interleaving in Collaborative Text Editing (2023)</a>
 */
public final class DotSeq extends DotStore {
  /*
   * Design notes.
   * [1] Runs. Elements minted consecutively by one replica and inserted one after the other form a
   *     run (SeqRun): element k > 0 has element k - 1 as left origin and all share a right origin,
   *     so a run of n characters costs one record. Runs split where something is inserted between
   *     their elements or where only some of them are removed, and re-merge when local edits make
   *     them chain again. A list run always holds one element (each has its own value store).
   * [2] Order. Integrated runs live in a B-tree (SeqTree) counting visible and all elements, so a
   *     position is found in O(log n); a SeqIndex maps element ids to runs. A record is integrated
   *     by the YjsMod rule of Gentle's reference-crdts (crdts.ts, integrateYjsMod), which Weidner
   *     and Kleppmann show equivalent to FugueMax: scan the runs between its origins, place it by
   *     comparing their origins with its own, breaking exact ties by replica id. FugueMax's order is
   *     a tree walk determined by the records, so integrating in any order that puts origins first
   *     gives the same sequence; records that arrive before an origin wait (the `waiting` runs) and
   *     are integrated when it arrives.
   * [3] Presence. An element is removed by dropping its id dot (the dot-store rule: a dot the other
   *     side has seen and does not hold was removed there). Records are never dropped, so isEmpty()
   *     means "no record": a map keeps a sequence whose elements were all removed, because an insert
   *     concurrent with the removal is ordered by them.
   * [4] Local text edits (insertText, delete) change this store in place at a cached cursor and
   *     return the delta; sequential typing extends the current run in O(1).
   * [5] Equality is element by element (id, origins, presence, content), so it does not depend on
   *     how runs happen to be split; hashCode merges chaining runs to the same canonical runs.
   */
  final boolean text;
  SeqTree tree;
  final SeqIndex index = new SeqIndex();
  SeqRun[] waiting;
  int waitingN;
  private int scanEpoch;
  private int visitEpoch;
  private boolean marksMatter;
  private List<SeqRun> batch;
  /** Waiting runs by the id they wait for; built on the first integration that may wake one. */
  private Map<ReplicaId, TreeMap<Long, List<SeqRun>>> blocked;
  private java.util.ArrayDeque<SeqRun> wakeQueue;
  private boolean waking;
  private SeqRun cursor;
  /** A hint: the cursor's index in its leaf, if it has not moved since (checked before use). */
  private int cursorSlot;
  private long cursorStart;
  private long locOffset;

  DotSeq(boolean text) {
    this.text = text;
  }

  /** An empty sequence of characters. */
  public static DotSeq newText() {
    return new DotSeq(true);
  }

  /** An empty sequence of list elements. */
  public static DotSeq newList() {
    return new DotSeq(false);
  }

  /** True for text (characters), false for a list (document values). */
  public boolean isText() {
    return text;
  }

  /** The number of visible elements. */
  public long size() {
    return tree == null ? 0 : tree.vis();
  }

  /** The number of element records, visible or not, integrated or waiting for an origin. */
  public long recordCount() {
    long n = tree == null ? 0 : tree.total();
    for (int i = 0; i < waitingN; i++) {
      n += waiting[i].len;
    }
    return n;
  }

  /**
   * The number of runs waiting for an origin that has not arrived: zero in a replica that has
   * every record its records refer to.
   */
  public int waitingRuns() {
    return waitingN;
  }

  /** The number of runs the records are held in (a measure of fragmentation). */
  public int runCount() {
    return index.size();
  }

  // ---- reads ----------------------------------------------------------------------------------

  /** The visible characters. */
  public String text() {
    requireArgument(text, "not a text");
    StringBuilder sb = new StringBuilder((int) Math.min(Integer.MAX_VALUE - 8, size()));
    for (SeqTree.Leaf l = tree == null ? null : tree.firstLeaf(); l != null; l = l.next) {
      for (int i = 0; i < l.n; i++) {
        SeqRun r = l.runs[i];
        if (r.live) {
          sb.append(r.chars, 0, r.len);
        }
      }
    }
    return sb.toString();
  }

  /** A visible list element: its type and its live value store (read it; do not mutate it). */
  public record Element(CrdtType type, DotStore value) {}

  /** The visible list elements, in order. */
  public List<Element> elements() {
    requireArgument(!text, "not a list");
    List<Element> out = new ArrayList<>((int) Math.min(1 << 20, size()));
    for (SeqTree.Leaf l = tree == null ? null : tree.firstLeaf(); l != null; l = l.next) {
      for (int i = 0; i < l.n; i++) {
        SeqRun r = l.runs[i];
        if (r.visible) {
          out.add(new Element(r.type, r.value));
        }
      }
    }
    return out;
  }

  /**
   * The visible list element at {@code index}.
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= index < size()}
   */
  public Element element(long index) {
    requireArgument(!text, "not a list");
    checkIndex(index, size());
    SeqRun r = locate(index);
    return new Element(r.type, r.value);
  }

  /** The id of the visible element at {@code index}. */
  public Dot idAt(long index) {
    checkIndex(index, size());
    SeqRun r = locate(index);
    return new Dot(r.replica, r.start + locOffset);
  }

  private static void checkIndex(long index, long size) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException("index " + index + " out of bounds for size " + size);
    }
  }

  private static void checkPosition(long position, long size) {
    if (position < 0 || position > size) {
      throw new IndexOutOfBoundsException("position " + position + " out of bounds for size " + size);
    }
  }

  /** The run holding visible element {@code p}; sets locOffset. Uses and moves the cursor. */
  private SeqRun locate(long p) {
    SeqRun c = cursor;
    if (c != null && p >= cursorStart && p < cursorStart + c.vis()) {
      locOffset = p - cursorStart;
      return c;
    }
    SeqRun r = tree.findVisible(p);
    locOffset = tree.foundOffset;
    cursor = r;
    cursorSlot = tree.foundSlot;
    cursorStart = p - locOffset;
    return r;
  }

  // ---- local edits ----------------------------------------------------------------------------

  /**
   * A new record for elements inserted at visible position {@code at}: left origin the element
   * before that position, right origin the element right after it (removed or not).
   */
  private SeqRun recordAt(long at, ReplicaId replica, long first, int len) {
    SeqRun left = null;
    int off = -1;
    if (at > 0) {
      left = locate(at - 1);
      off = (int) locOffset;
    }
    SeqRun right;
    long rc;
    if (left == null) {
      right = tree == null ? null : tree.firstRun();
      rc = right == null ? 0 : right.start;
    } else if (off < left.len - 1) {
      right = left;
      rc = left.start + off + 1;
    } else {
      right = tree.next(left, cursorSlot);
      rc = right == null ? 0 : right.start;
    }
    return new SeqRun(replica, first, len, left == null ? null : left.replica,
        left == null ? 0 : left.start + off, right == null ? null : right.replica, rc);
  }

  /**
   * Inserts {@code chars} at visible position {@code at} in place, as elements {@code (replica,
   * first ..)}, and returns the delta store (the new record). Text only.
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= at <= size()}
   */
  public DotSeq insertText(long at, ReplicaId replica, long first, CharSequence chars) {
    requireArgument(text, "not a text");
    checkPosition(at, size());
    int n = chars.length();
    requireArgument(n > 0, "nothing to insert");
    SeqRun rec = recordAt(at, replica, first, n);
    char[] content = toChars(chars);
    SeqRun left = at == 0 ? null : cursor;
    int off = at == 0 ? -1 : (int) (at - 1 - cursorStart);
    if (left != null && off == left.len - 1 && left.live && left.replica.equals(replica)
        && left.start + left.len == first && left.rightOriginIs(rec.rightReplica, rec.rightCounter)) {
      appendChars(left, content, n);
      left.len += n;
      tree.adjust(left, n, n);
    } else {
      if (left != null && off < left.len - 1) {
        split(left, off + 1);
      }
      SeqRun mine = new SeqRun(replica, first, n, rec.leftReplica, rec.leftCounter,
          rec.rightReplica, rec.rightCounter);
      mine.live = true;
      mine.visible = true;
      mine.chars = Arrays.copyOf(content, n);
      if (tree == null) {
        tree = new SeqTree();
      }
      tree.insertAfter(left, mine);
      index.put(mine);
      cursor = mine;
      cursorSlot = SeqTree.indexIn(mine.leaf, mine);
      cursorStart = at;
    }
    rec.live = true;
    rec.visible = true;
    rec.chars = content;
    return single(rec);
  }

  /**
   * A delta holding one fresh record: integrated if it has no origins, else waiting (its origins
   * are other elements, absent from the delta) — what addRecord would decide, without lookups.
   */
  private DotSeq single(SeqRun rec) {
    DotSeq delta = new DotSeq(text);
    delta.index.put(rec);
    if (rec.leftReplica == null && rec.rightReplica == null) {
      delta.tree = new SeqTree();
      delta.tree.append(rec);
    } else {
      delta.addWaiting(rec);
    }
    return delta;
  }

  /** The delta store of inserting {@code chars} at {@code at}, without changing this store. */
  public DotSeq insertTextDelta(long at, ReplicaId replica, long first, CharSequence chars) {
    requireArgument(text, "not a text");
    checkPosition(at, size());
    requireArgument(chars.length() > 0, "nothing to insert");
    SeqRun rec = recordAt(at, replica, first, chars.length());
    rec.live = true;
    rec.visible = true;
    rec.chars = toChars(chars);
    DotSeq delta = new DotSeq(true);
    delta.addRecord(rec);
    return delta;
  }

  /**
   * The delta store of inserting one list element {@code (replica, id)} of type {@code type} with
   * value store {@code value} (which the delta takes) at visible position {@code at}, without
   * changing this store.
   */
  public DotSeq insertDelta(long at, ReplicaId replica, long id, CrdtType type, DotStore value) {
    requireArgument(!text, "not a list");
    checkPosition(at, size());
    SeqRun rec = recordAt(at, replica, id, 1);
    rec.live = true;
    rec.type = type;
    rec.value = value;
    rec.visible = true;
    DotSeq delta = new DotSeq(false);
    delta.addRecord(rec);
    return delta;
  }

  /**
   * The delta store of changing the value of the visible list element at {@code index} by {@code
   * valueDelta} (which the delta takes): the element's record, without its presence, carrying the
   * value's delta.
   */
  public DotSeq updateDelta(long index, DotStore valueDelta) {
    requireArgument(!text, "not a list");
    checkIndex(index, size());
    SeqRun r = locate(index);
    SeqRun rec = new SeqRun(r.replica, r.start, 1, r.leftReplica, r.leftCounter, r.rightReplica,
        r.rightCounter);
    rec.type = r.type;
    rec.value = valueDelta;
    rec.visible = valueDelta.isVisible();
    DotSeq delta = new DotSeq(false);
    delta.addRecord(rec);
    return delta;
  }

  /**
   * The delta store of removing the visible elements {@code [at, at + count)}, without changing
   * this store: their records without presence (and list values as skeletons). Adds every dot
   * they hold to {@code deltaContext}.
   */
  public DotSeq removeDelta(long at, long count, CausalContext deltaContext) {
    requireArgument(count >= 0 && at >= 0 && at + count <= size(),
        "cannot remove %s elements at %s of %s", count, at, size());
    DotSeq delta = new DotSeq(text);
    forVisible(at, count, (r, from, n) -> {
      SeqRun t = r.slice(from, n);
      t.live = false;
      t.chars = null;
      if (r.live) {
        deltaContext.addRange(r.replica, r.start + from, r.start + from + n - 1);
      }
      if (!text) {
        r.value.collectDots(deltaContext);
        t.value = r.value.skeleton();
      }
      t.visible = false;
      t.seen = 0;
      delta.addRecord(t);
    });
    return delta;
  }

  /**
   * Removes the visible characters {@code [at, at + count)} in place and returns the delta store
   * (their records, removed); adds their ids to {@code deltaContext}. Text only.
   */
  public DotSeq delete(long at, long count, CausalContext deltaContext) {
    requireArgument(text, "not a text");
    if (count < 0 || at < 0 || at + count > size()) {
      requireArgument(false, "cannot delete %s characters at %s of %s", count, at, size());
    }
    DotSeq delta = new DotSeq(true);
    if (count == 0) {
      return delta;
    }
    SeqRun r = locate(at);
    int off = (int) locOffset;
    SeqRun keep = off > 0 ? r : null;
    long keepStart = at - off;
    long remaining = count;
    List<SeqRun> killed = new ArrayList<>(2);
    while (true) {
      int take = (int) Math.min(remaining, r.len - off);
      SeqRun part = off > 0 ? split(r, off) : r;
      if (take < part.len) {
        split(part, take);
      }
      SeqRun tomb = new SeqRun(part.replica, part.start, part.len, part.leftReplica,
          part.leftCounter, part.rightReplica, part.rightCounter);
      delta.addRecord(tomb);
      deltaContext.addRange(part.replica, part.start, part.end());
      kill(part);
      killed.add(part);
      remaining -= take;
      if (remaining == 0) {
        break;
      }
      r = tree.next(part);
      while (!r.visible) {
        r = tree.next(r);
      }
      off = 0;
    }
    for (SeqRun part : killed) {
      if (part.leaf != null) {
        coalesceRemoved(part, tree.next(part));
      }
    }
    if (keep != null) {
      cursor = keep;
      cursorStart = keepStart;
    } else {
      cursor = null;
    }
    return delta;
  }

  /** Merges a just-removed run with removed neighbours it chains with (keeps runs few). */
  private void coalesceRemoved(SeqRun part, SeqRun next) {
    if (next != null && !next.live && part.chainsTo(next)) {
      index.remove(next);
      tree.remove(next);
      part.len += next.len;
      tree.adjust(part, 0, next.len);
    }
    SeqRun prev = tree.prev(part);
    if (prev != null && !prev.live && prev.chainsTo(part)) {
      index.remove(part);
      tree.remove(part);
      prev.len += part.len;
      tree.adjust(prev, 0, part.len);
    }
  }

  /** Receives pieces of visible runs: elements {@code [from, from + n)} of run {@code r}. */
  private interface PieceVisitor {
    void piece(SeqRun r, int from, int n);
  }

  private void forVisible(long at, long count, PieceVisitor visitor) {
    if (count == 0) {
      return;
    }
    SeqRun r = locate(at);
    int off = (int) locOffset;
    long remaining = count;
    while (true) {
      int take = (int) Math.min(remaining, r.len - off);
      visitor.piece(r, off, take);
      remaining -= take;
      if (remaining == 0) {
        return;
      }
      do {
        r = tree.next(r);
      } while (!r.visible);
      off = 0;
    }
  }

  private static char[] toChars(CharSequence s) {
    char[] c = new char[s.length()];
    if (s instanceof String) {
      ((String) s).getChars(0, c.length, c, 0);
    } else {
      for (int i = 0; i < c.length; i++) {
        c[i] = s.charAt(i);
      }
    }
    return c;
  }

  private static void appendChars(SeqRun r, char[] add, int n) {
    if (r.chars.length < r.len + n) {
      r.chars = Arrays.copyOf(r.chars, Math.max(r.len + n, r.chars.length * 2));
    }
    System.arraycopy(add, 0, r.chars, r.len, n);
  }

  // ---- structure ------------------------------------------------------------------------------

  /** Splits {@code r} after its first {@code k} elements; returns the new run holding the rest. */
  SeqRun split(SeqRun r, int k) {
    SeqRun t = new SeqRun(r.replica, r.start + k, r.len - k, r.replica, r.start + k - 1,
        r.rightReplica, r.rightCounter);
    t.live = r.live;
    t.visible = r.visible;
    t.type = r.type;
    t.seen = r.seen;
    t.mark = r.mark;
    if (r.chars != null) {
      t.chars = Arrays.copyOfRange(r.chars, k, r.len);
    }
    if (r.leaf != null) {
      tree.adjust(r, -t.vis(), -t.len);
      r.len = k;
      tree.insertAfter(r, t);
    } else {
      r.len = k;
      addWaiting(t);
    }
    index.put(t);
    return t;
  }

  /** The run covering exactly elements {@code [a, b]} of {@code r}, splitting as needed. */
  private SeqRun isolate(SeqRun r, long a, long b) {
    if (a > r.start) {
      r = split(r, (int) (a - r.start));
    }
    if (b < r.end()) {
      split(r, (int) (b - r.start + 1));
    }
    return r;
  }

  private void kill(SeqRun r) {
    if (r.live) {
      r.live = false;
      r.chars = null;
      updateVisible(r);
    }
  }

  private void updateVisible(SeqRun r) {
    boolean v = r.live || (!text && r.value.isVisible());
    if (v != r.visible) {
      r.visible = v;
      if (r.leaf != null) {
        tree.adjust(r, v ? r.len : -r.len, 0);
      }
    }
  }

  /** Isolates each piece of {@code r}'s elements whose membership in {@code ctx} is {@code want}. */
  private void forPieces(SeqRun r, CausalContext ctx, boolean want, Consumer<SeqRun> action) {
    ReplicaId rep = r.replica;
    long c = r.start;
    long b = r.end();
    while (c <= b) {
      boolean in = ctx.contains(rep, c);
      long e = ctx.sameUntil(rep, c, b);
      if (in == want) {
        action.accept(isolate(index.find(rep, c), c, e));
      }
      c = e + 1;
    }
  }

  void addWaiting(SeqRun r) {
    if (waiting == null) {
      waiting = new SeqRun[2];
    } else if (waitingN == waiting.length) {
      waiting = Arrays.copyOf(waiting, waitingN * 2);
    }
    r.slot = waitingN;
    waiting[waitingN++] = r;
    if (blocked != null) {
      register(r);
    }
  }

  private void removeWaiting(SeqRun r) {
    int i = r.slot;
    if (i >= waitingN || waiting[i] != r) {
      throw new IllegalStateException("run not waiting");
    }
    SeqRun last = waiting[--waitingN];
    waiting[i] = last;
    last.slot = i;
    waiting[waitingN] = null;
  }

  /** Adds a record none of whose elements is here: integrates it, or parks it for an origin. */
  private void addRecord(SeqRun run) {
    if (ready(run)) {
      integrate(run, false);
      return;
    }
    park(run);
  }

  /** Adds a record whose origins are not all here, unindexed, to the waiting runs. */
  private void park(SeqRun run) {
    if (text && !marksMatter) {
      SeqRun prev = run.start > 1 ? index.find(run.replica, run.start - 1) : null;
      if (prev != null && prev.leaf == null && prev.live == run.live && prev.chainsTo(run)) {
        if (run.live) {
          appendChars(prev, run.chars, run.len);
        }
        prev.len += run.len;
        return;
      }
    }
    index.put(run);
    addWaiting(run);
  }

  boolean ready(SeqRun r) {
    if (r.leftReplica != null) {
      SeqRun l = index.find(r.leftReplica, r.leftCounter);
      if (l == null || l.leaf == null) {
        return false;
      }
    }
    if (r.rightReplica != null) {
      SeqRun x = index.find(r.rightReplica, r.rightCounter);
      return x != null && x.leaf != null;
    }
    return true;
  }

  /** Integrates a run whose origins are integrated (YjsMod; see the design notes). */
  private void integrate(SeqRun run, boolean indexed) {
    if (tree == null) {
      tree = new SeqTree();
    }
    SeqRun left = null;
    if (run.leftReplica != null) {
      left = index.find(run.leftReplica, run.leftCounter);
      if (run.leftCounter < left.end()) {
        split(left, (int) (run.leftCounter - left.start + 1));
      }
    }
    SeqRun right = null;
    if (run.rightReplica != null) {
      right = index.find(run.rightReplica, run.rightCounter);
      if (run.rightCounter > right.start) {
        right = split(right, (int) (run.rightCounter - right.start));
      }
    }
    SeqRun first = left == null ? tree.firstRun() : tree.next(left);
    SeqRun anchor = first == right ? left : scan(run, left, right, first);
    ReplicaId rep = run.replica;
    long lo = run.start;
    long hi = run.end();
    if (waitingN > 0 && blocked == null) {
      // Filed before the run is placed, so each waiting run is filed under what it waits for.
      blocked = new HashMap<>();
      for (int i = 0; i < waitingN; i++) {
        register(waiting[i]);
      }
    }
    place(run, anchor, indexed);
    if (waitingN > 0) {
      wake(rep, lo, hi);
    }
  }

  /** Puts an integrated run after {@code anchor}, merging it into the anchor if it chains. */
  private void place(SeqRun run, SeqRun anchor, boolean indexed) {
    if (anchor != null && text && anchor.chainsTo(run) && anchor.live == run.live
        && (!marksMatter || anchor.seen == run.seen)) {
      if (indexed) {
        index.remove(run);
      }
      if (run.live) {
        appendChars(anchor, run.chars, run.len);
      }
      anchor.len += run.len;
      tree.adjust(anchor, run.vis(), run.len);
      run.leaf = anchor.leaf; // marks the ids as integrated for callers holding `run`
      return;
    }
    tree.insertAfter(anchor, run);
    if (!indexed) {
      index.put(run);
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
    for (SeqRun x = first; x != right && x != null; x = tree.next(x)) {
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
    SeqRun x = index.find(o.leftReplica, o.leftCounter);
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
    SeqRun x = index.find(o.rightReplica, o.rightCounter);
    return x != null && x.leaf != null && x.mark == epoch ? -1 : 1;
  }

  private static boolean goesBefore(SeqRun a, SeqRun b) {
    int c = a.replica.compareTo(b.replica);
    return c != 0 ? c < 0 : a.start < b.start;
  }

  /** Files a waiting run under the first of its origins that is absent or waiting itself. */
  private void register(SeqRun w) {
    ReplicaId r = w.leftReplica;
    long c = w.leftCounter;
    if (r != null) {
      SeqRun l = index.find(r, c);
      if (l != null && l.leaf != null) {
        r = null;
      }
    }
    if (r == null) {
      r = w.rightReplica;
      c = w.rightCounter;
      SeqRun x = r == null ? null : index.find(r, c);
      if (r == null || (x != null && x.leaf != null)) {
        // Both origins integrated: only a forged record that refers into itself gets here.
        r = w.replica;
        c = w.start;
      }
    }
    blocked.computeIfAbsent(r, k -> new TreeMap<>()).computeIfAbsent(c, k -> new ArrayList<>(1)).add(w);
  }

  private boolean isWaiting(SeqRun w) {
    return w.leaf == null && w.slot < waitingN && waiting[w.slot] == w;
  }

  /** Integrates the waiting runs filed under ids {@code (r, lo..hi)}, just integrated. */
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
        removeWaiting(w);
        integrate(w, true);
      } else {
        register(w);
      }
    }
    waking = false;
  }

  // ---- join -----------------------------------------------------------------------------------

  @Override
  public boolean isEmpty() {
    return index.size() == 0;
  }

  @Override
  public boolean isVisible() {
    return size() > 0;
  }

  @Override
  public void join(
      CausalContext selfContext,
      DotStore other,
      CausalContext otherContext,
      boolean otherKeyed,
      boolean keepEmpty) {
    if (!(other instanceof DotSeq) || ((DotSeq) other).text != text) {
      requireArgument(false, "cannot join a %s with %s", kind(), other);
    }
    DotSeq o = (DotSeq) other;
    if (o == this) {
      return;
    }
    cursor = null;
    int visit = ++visitEpoch;
    marksMatter = !otherKeyed;
    boolean direct = index.size() == 0;
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
      for (SeqRun r : allRuns()) {
        if (r.seen != visit) {
          removeIn(r, otherContext);
        }
      }
    }
    marksMatter = false;
  }

  /** Joins one record of the other side (its elements' presence and values) into this store. */
  private void merge(SeqRun x, boolean direct, CausalContext selfContext,
      CausalContext otherContext, boolean otherKeyed, boolean keepEmpty) {
    long pos = x.start;
    long end = x.end();
    while (pos <= end) {
      SeqRun mine = direct ? null : index.find(x.replica, pos);
      if (mine != null) {
        long stop = Math.min(end, mine.end());
        SeqRun part = isolate(mine, pos, stop);
        mergeInto(part, x, (int) (pos - x.start), selfContext, otherContext, otherKeyed, keepEmpty);
        pos = stop + 1;
      } else {
        SeqRun next = direct ? null : index.ceiling(x.replica, pos);
        long stop = next == null ? end : Math.min(end, next.start - 1);
        addFrom(x, pos, stop, direct, selfContext, keepEmpty);
        pos = stop + 1;
      }
    }
  }

  private void mergeInto(SeqRun part, SeqRun x, int xo, CausalContext selfContext,
      CausalContext otherContext, boolean otherKeyed, boolean keepEmpty) {
    part.seen = visitEpoch;
    if (text) {
      if (part.live && !x.live) {
        forPieces(part, otherContext, true, this::kill);
      } else if (!part.live && x.live) {
        long base = part.start;
        forPieces(part, selfContext, false, p -> {
          p.live = true;
          p.chars = Arrays.copyOfRange(x.chars, xo + (int) (p.start - base),
              xo + (int) (p.start - base) + p.len);
          updateVisible(p);
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
    updateVisible(part);
  }

  /** Adds the elements {@code [a, b]} of the other side's record {@code x}, absent here. */
  private void addFrom(SeqRun x, long a, long b, boolean direct, CausalContext selfContext,
      boolean keepEmpty) {
    if (!text) {
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
      if (tree == null) {
        tree = new SeqTree();
      }
      tree.append(s);
      index.put(s);
    } else {
      s.reach = 4;
      index.put(s);
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
        SeqRun l = y.leftReplica == null ? null : index.find(y.leftReplica, y.leftCounter);
        SeqRun r = y.rightReplica == null ? null : index.find(y.rightReplica, y.rightCounter);
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
            index.remove(y);
            park(y);
          }
        }
      }
    }
  }

  private void removeIn(SeqRun r, CausalContext ctx) {
    if (r.live && ctx.containsAny(r.replica, r.start, r.end())) {
      forPieces(r, ctx, true, this::kill);
    }
    if (!text) {
      r.value.removeIn(ctx);
      updateVisible(r);
    }
  }

  /** Every run: integrated in order, then waiting. */
  private List<SeqRun> allRuns() {
    List<SeqRun> out = new ArrayList<>(index.size());
    for (SeqTree.Leaf l = tree == null ? null : tree.firstLeaf(); l != null; l = l.next) {
      out.addAll(Arrays.asList(l.runs).subList(0, l.n));
    }
    out.addAll(Arrays.asList(waiting == null ? new SeqRun[0] : waiting).subList(0, waitingN));
    return out;
  }

  @Override
  public DotSeq copyOutside(CausalContext exclude, boolean keepEmpty) {
    DotSeq out = new DotSeq(text);
    List<SeqRun> all = allRuns();
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
        if (!text) {
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
      if (text) {
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
    out.adopt(ordered, waitingPieces);
    return out;
  }

  /**
   * Fills this empty store with some of another store's records: {@code ordered}, pieces of its
   * integrated runs in its order, and {@code parked}, pieces of its waiting runs. The pieces
   * reachable through origins that are here form a subset closed under origins, whose FugueMax
   * order is the other store's order restricted to it (whole subtrees are missing), so they are
   * appended as they come; the rest wait. O(n log n), with no integration scans.
   */
  private void adopt(List<SeqRun> ordered, List<SeqRun> parked) {
    for (SeqRun x : ordered) {
      x.reach = 0;
      index.put(x);
    }
    for (SeqRun x : parked) {
      x.reach = 2;
      index.put(x);
    }
    List<SeqRun> stack = new ArrayList<>();
    for (SeqRun x : ordered) {
      if (decideReach(x, stack)) {
        if (tree == null) {
          tree = new SeqTree();
        }
        tree.append(x);
      } else {
        addWaiting(x);
      }
    }
    for (SeqRun x : parked) {
      addWaiting(x);
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
      SeqRun l = y.leftReplica == null ? null : index.find(y.leftReplica, y.leftCounter);
      SeqRun r = y.rightReplica == null ? null : index.find(y.rightReplica, y.rightCounter);
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

  @Override
  public void removeIn(CausalContext context) {
    cursor = null;
    for (SeqRun r : allRuns()) {
      removeIn(r, context);
    }
  }

  @Override
  public void forEachDot(Consumer<Dot> visitor) {
    for (SeqRun r : allRuns()) {
      if (r.live) {
        for (long c = r.start; c <= r.end(); c++) {
          visitor.accept(new Dot(r.replica, c));
        }
      }
      if (!text) {
        r.value.forEachDot(visitor);
      }
    }
  }

  @Override
  public void forEachDotRange(CausalContext.RangeVisitor visitor) {
    for (SeqRun r : allRuns()) {
      if (r.live) {
        visitor.range(r.replica, r.start, r.end());
      }
      if (!text) {
        r.value.forEachDotRange(visitor);
      }
    }
  }

  @Override
  public void forEachReplica(Consumer<ReplicaId> visitor) {
    for (SeqRun r : allRuns()) {
      visitor.accept(r.replica);
      if (r.leftReplica != null) {
        visitor.accept(r.leftReplica);
      }
      if (r.rightReplica != null) {
        visitor.accept(r.rightReplica);
      }
      if (!text) {
        r.value.forEachReplica(visitor);
      }
    }
  }

  @Override
  public DotSeq emptyLike() {
    return new DotSeq(text);
  }

  @Override
  public DotSeq skeleton() {
    DotSeq out = new DotSeq(text);
    List<SeqRun> ordered = new ArrayList<>();
    List<SeqRun> parked = new ArrayList<>();
    for (SeqRun r : allRuns()) {
      if (r.live || (!text && !r.value.isEmpty())) {
        SeqRun t = r.slice(0, r.len);
        t.live = false;
        t.chars = null;
        t.seen = 0;
        if (!text) {
          t.value = r.value.skeleton();
        }
        t.visible = false;
        (r.leaf != null ? ordered : parked).add(t);
      }
    }
    out.adopt(ordered, parked);
    return out;
  }

  /** Drops empty entries from the list elements' values (a keyed delta joined into a state). */
  public void dropEmpty() {
    if (text) {
      return;
    }
    for (SeqRun r : allRuns()) {
      if (r.value instanceof DotMap) {
        ((DotMap<?>) r.value).dropEmpty();
      } else if (r.value instanceof DotSeq) {
        ((DotSeq) r.value).dropEmpty();
      }
    }
  }

  private String kind() {
    return text ? "text" : "list";
  }

  // ---- codecs -------------------------------------------------------------------------------

  /** The records laid out for a codec (see {@link SeqColumns}); deterministic. */
  public SeqColumns columns() {
    return SeqLayout.columns(this);
  }

  /**
   * Rebuilds a store from a codec's layout, validating it: ids unique and in range, positions
   * within the elements so far, explicit origins present and on the right sides, the removed runs
   * and characters matching the elements, no waiting record whose origins are here.
   *
   * @throws IllegalArgumentException if the layout is not a valid store
   */
  public static DotSeq fromColumns(SeqColumns columns) {
    return SeqLayout.build(columns);
  }

  // ---- equality -------------------------------------------------------------------------------

  /** Runs in a canonical order: integrated ones in sequence order, or waiting ones by id. */
  private Iterator<SeqRun> integratedRuns() {
    return new Iterator<>() {
      SeqTree.Leaf leaf = tree == null ? null : tree.firstLeaf();
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

  private List<SeqRun> waitingById() {
    List<SeqRun> w = new ArrayList<>(Arrays.asList(waiting == null ? new SeqRun[0] : waiting).subList(0, waitingN));
    w.sort((a, b) -> {
      int c = a.replica.compareTo(b.replica);
      return c != 0 ? c : Long.compare(a.start, b.start);
    });
    return w;
  }

  @Override
  public boolean equals(Object obj) {
    if (!(obj instanceof DotSeq)) {
      return false;
    }
    DotSeq o = (DotSeq) obj;
    return o.text == text && o.size() == size() && o.recordCount() == recordCount()
        && sameElements(integratedRuns(), o.integratedRuns())
        && sameElements(waitingById().iterator(), o.waitingById().iterator());
  }

  /** Compares two run streams element by element, in chunks that both hold whole. */
  private boolean sameElements(Iterator<SeqRun> a, Iterator<SeqRun> b) {
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

  @Override
  public int hashCode() {
    return (text ? 1 : 2) + 31 * hashRuns(integratedRuns()) + 961 * hashRuns(waitingById().iterator());
  }

  /** Hashes the canonical runs (chaining runs merged) and the content, chunking-independent. */
  private int hashRuns(Iterator<SeqRun> it) {
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

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(kind()).append('[');
    int shown = 0;
    for (SeqRun r : allRuns()) {
      if (shown++ > 0) {
        sb.append(", ");
      }
      if (shown > 40) {
        sb.append("... ").append(index.size() - 40).append(" more runs");
        break;
      }
      sb.append(r);
    }
    return sb.append(']').toString();
  }
}
