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
  /** Integration, joins and copies (SeqMerge), made on first use: deltas rarely need it. */
  private SeqMerge merger;
  SeqRun cursor;
  /** A hint: the cursor's index in its leaf, if it has not moved since (checked before use). */
  int cursorSlot;
  long cursorStart;
  long locOffset;

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

  static void checkIndex(long index, long size) {
    if (index < 0 || index >= size) {
      throw new IndexOutOfBoundsException("index " + index + " out of bounds for size " + size);
    }
  }

  static void checkPosition(long position, long size) {
    if (position < 0 || position > size) {
      throw new IndexOutOfBoundsException("position " + position + " out of bounds for size " + size);
    }
  }

  /** The run holding visible element {@code p}; sets locOffset. Uses and moves the cursor. */
  SeqRun locate(long p) {
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

  // ---- local edits (SeqEdits) ----------------------------------------------------------------

  /**
   * Inserts {@code chars} at visible position {@code at} in place, as elements {@code (replica,
   * first ..)}, and returns the delta store (the new record). Text only.
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= at <= size()}
   */
  public DotSeq insertText(long at, ReplicaId replica, long first, CharSequence chars) {
    return SeqEdits.insertText(this, at, replica, first, chars);
  }

  /** The delta store of inserting {@code chars} at {@code at}, without changing this store. */
  public DotSeq insertTextDelta(long at, ReplicaId replica, long first, CharSequence chars) {
    return SeqEdits.insertTextDelta(this, at, replica, first, chars);
  }

  /**
   * The delta store of inserting one list element {@code (replica, id)} of type {@code type} with
   * value store {@code value} (which the delta takes) at visible position {@code at}, without
   * changing this store.
   */
  public DotSeq insertDelta(long at, ReplicaId replica, long id, CrdtType type, DotStore value) {
    return SeqEdits.insertDelta(this, at, replica, id, type, value);
  }

  /**
   * The delta store of changing the value of the visible list element at {@code index} by {@code
   * valueDelta} (which the delta takes): the element's record, without its presence, carrying the
   * value's delta.
   */
  public DotSeq updateDelta(long index, DotStore valueDelta) {
    return SeqEdits.updateDelta(this, index, valueDelta);
  }

  /**
   * The delta store of removing the visible elements {@code [at, at + count)}, without changing
   * this store: their records without presence (and list values as skeletons). Adds every dot
   * they hold to {@code deltaContext}.
   */
  public DotSeq removeDelta(long at, long count, CausalContext deltaContext) {
    return SeqEdits.removeDelta(this, at, count, deltaContext);
  }

  /**
   * Removes the visible characters {@code [at, at + count)} in place and returns the delta store
   * (their records, removed); adds their ids to {@code deltaContext}. Text only.
   */
  public DotSeq delete(long at, long count, CausalContext deltaContext) {
    return SeqEdits.delete(this, at, count, deltaContext);
  }

  /** Appends {@code n} characters to a live text run's content (growing it), not its length. */
  static void appendChars(SeqRun r, char[] add, int n) {
    if (r.chars.length < r.len + n) {
      r.chars = Arrays.copyOf(r.chars, Math.max(r.len + n, r.chars.length * 2));
    }
    System.arraycopy(add, 0, r.chars, r.len, n);
  }

  SeqMerge merger() {
    if (merger == null) {
      merger = new SeqMerge(this);
    }
    return merger;
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
  SeqRun isolate(SeqRun r, long a, long b) {
    if (a > r.start) {
      r = split(r, (int) (a - r.start));
    }
    if (b < r.end()) {
      split(r, (int) (b - r.start + 1));
    }
    return r;
  }

  void kill(SeqRun r) {
    if (r.live) {
      r.live = false;
      r.chars = null;
      updateVisible(r);
    }
  }

  void updateVisible(SeqRun r) {
    boolean v = r.live || (!text && r.value.isVisible());
    if (v != r.visible) {
      r.visible = v;
      if (r.leaf != null) {
        tree.adjust(r, v ? r.len : -r.len, 0);
      }
    }
  }

  /** Isolates each piece of {@code r}'s elements whose membership in {@code ctx} is {@code want}. */
  void forPieces(SeqRun r, CausalContext ctx, boolean want, Consumer<SeqRun> action) {
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
    if (merger != null) {
      merger.waitingAdded(r);
    }
  }

  void removeWaiting(SeqRun r) {
    int i = r.slot;
    if (i >= waitingN || waiting[i] != r) {
      throw new IllegalStateException("run not waiting");
    }
    SeqRun last = waiting[--waitingN];
    waiting[i] = last;
    last.slot = i;
    waiting[waitingN] = null;
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
    if (!(other instanceof DotSeq dotSeq) || dotSeq.text != text) {
      requireArgument(false, "cannot join a %s with %s", kind(), other);
    }
    if (other != this) {
      merger().join((DotSeq) other, selfContext, otherContext, otherKeyed, keepEmpty);
    }
  }







  /** Every run: integrated in order, then waiting. */
  List<SeqRun> allRuns() {
    List<SeqRun> out = new ArrayList<>(index.size());
    for (SeqTree.Leaf l = tree == null ? null : tree.firstLeaf(); l != null; l = l.next) {
      out.addAll(Arrays.asList(l.runs).subList(0, l.n));
    }
    out.addAll(Arrays.asList(waiting == null ? new SeqRun[0] : waiting).subList(0, waitingN));
    return out;
  }

  @Override
  public DotSeq copyOutside(CausalContext exclude, boolean keepEmpty) {
    return SeqMerge.copyOutside(this, exclude, keepEmpty);
  }



  /** Removes {@code r}'s elements and value dots held in {@code ctx}. */
  void removeIn(SeqRun r, CausalContext ctx) {
    if (r.live && ctx.containsAny(r.replica, r.start, r.end())) {
      forPieces(r, ctx, true, this::kill);
    }
    if (!text) {
      r.value.removeIn(ctx);
      updateVisible(r);
    }
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
    return SeqMerge.skeleton(this);
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

  String kind() {
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

  @Override
  public boolean equals(Object obj) {
    return obj instanceof DotSeq dotSeq && SeqEquality.equal(this, dotSeq);
  }

  @Override
  public int hashCode() {
    return SeqEquality.hash(this);
  }


  List<SeqRun> waitingById() {
    List<SeqRun> w = new ArrayList<>(Arrays.asList(waiting == null ? new SeqRun[0] : waiting).subList(0, waitingN));
    w.sort((a, b) -> {
      int c = a.replica.compareTo(b.replica);
      return c != 0 ? c : Long.compare(a.start, b.start);
    });
    return w;
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
