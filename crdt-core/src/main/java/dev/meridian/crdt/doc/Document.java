package dev.meridian.crdt.doc;

import static dev.meridian.crdt.Preconditions.requireArgument;
import static dev.meridian.crdt.Preconditions.requireState;

import com.google.common.collect.ImmutableList;
import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.DeltaCrdt;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.Scalars;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.counter.Counter;
import dev.meridian.crdt.flag.EwFlag;
import dev.meridian.crdt.map.OrMap;
import dev.meridian.crdt.map.TypedKey;
import dev.meridian.crdt.register.MvRegister;
import dev.meridian.crdt.set.AwSet;
import dev.meridian.crdt.store.DotFun;
import dev.meridian.crdt.store.DotMap;
import dev.meridian.crdt.store.DotSeq;
import dev.meridian.crdt.store.DotSet;
import dev.meridian.crdt.store.DotStore;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;

/**
 * A JSON-like document: a root {@link OrMap} addressed by {@link Path paths}, read as JSON.
 *
 * <p>Values are registers (scalars), counters, enable-wins flags, add-wins sets of scalars, nested
 * maps, lists of any of these ({@code todos[3].title}) and texts ({@code notes.body}). Every mutator
 * applies the change here and returns the delta to ship to other replicas; {@link #join} merges a
 * delta or a whole state from anywhere, in any order, any number of times. On conflict: concurrent
 * register writes are all kept and reads pick one by hybrid logical clock then replica id; a
 * concurrent add beats a remove of the same set element; a concurrent enable beats a disable;
 * removing a key removes what the remover had seen, so a concurrent update below it survives;
 * concurrent writes of different types under one key both survive, the JSON view shows the one with
 * the highest type tag and {@link #conflicts()} lists them all. Lists and texts order concurrent
 * inserts at one place without interleaving them ({@link dev.meridian.crdt.sequence.Text}); removing
 * list elements removes what the remover had seen of them, so an update of an element's value made
 * concurrently survives, in the element's place ({@link dev.meridian.crdt.sequence.OrList}). The
 * JSON view shows a list as an array and a text as a string; a list or text with nothing visible is
 * absent, like an empty set.
 *
 * <p>A local write refuses a path that runs through a value of another type, or a leaf that holds a
 * value of another type ({@link IllegalArgumentException}): remove it first; and a list position
 * that is not there ({@link IndexOutOfBoundsException}). Only concurrent writes create type
 * conflicts.
 *
 * <p>A document mutated by a replica must be bound to it ({@link #bind}); deltas and decoded states
 * are unbound and can only be joined and read. Not thread-safe.
 */
public final class Document implements DeltaCrdt<Document> {
  private final OrMap map;
  private Replica replica;

  private Document(OrMap map, Replica replica) {
    this.map = map;
    this.replica = replica;
  }

  /** An empty document, mutated as {@code replica}. */
  public static Document create(Replica replica) {
    return new Document(new OrMap(), Objects.requireNonNull(replica, "replica"));
  }

  /** An empty unbound document (the bottom state, to join deltas into). */
  public static Document empty() {
    return new Document(new OrMap(), null);
  }

  /** A document over a decoded map (codecs and storage); unbound. */
  public static Document of(OrMap map) {
    return new Document(Objects.requireNonNull(map, "map"), null);
  }

  /** Binds this document to the replica that will mutate it; returns this. */
  public Document bind(Replica replica) {
    this.replica = Objects.requireNonNull(replica, "replica");
    return this;
  }

  /** The underlying map (live; for codecs and storage). */
  public OrMap map() {
    return map;
  }

  // ---- mutators -------------------------------------------------------------------------------

  /**
   * Writes a scalar into the register at {@code path}; returns the delta.
   *
   * @throws IllegalArgumentException for a bad path, a non-scalar value, or a type clash
   */
  public Document set(String path, Object value) {
    Object v = Scalars.normalize(value);
    return update(path, CrdtType.REGISTER,
        (cur, dot, ctx) -> MvRegister.setDelta(castFun(cur), writer(), dot, v, ctx));
  }

  /** Adds {@code amount} (may be negative) to the counter at {@code path}; returns the delta. */
  public Document increment(String path, long amount) {
    return update(path, CrdtType.COUNTER,
        (cur, dot, ctx) -> Counter.incrementDelta(castFun(cur), dot, amount, ctx));
  }

  /** Adds a scalar to the set at {@code path}; returns the delta. */
  public Document add(String path, Object element) {
    Object e = Scalars.normalize(element);
    return update(path, CrdtType.SET,
        (cur, dot, ctx) -> AwSet.addDelta(castMap(cur), e, dot, ctx));
  }

  /** Removes a scalar from the set at {@code path} (the adds seen here); returns the delta. */
  public Document removeElement(String path, Object element) {
    Object e = Scalars.normalize(element);
    return update(path, CrdtType.SET,
        (cur, dot, ctx) -> AwSet.removeDelta(castMap(cur), e, ctx));
  }

  /** Turns on the flag at {@code path}; returns the delta. */
  public Document enable(String path) {
    return update(path, CrdtType.FLAG,
        (cur, dot, ctx) -> EwFlag.enableDelta((DotSet) cur, dot, ctx));
  }

  /** Turns off the flag at {@code path}; returns the delta. */
  public Document disable(String path) {
    return update(path, CrdtType.FLAG, (cur, dot, ctx) -> EwFlag.disableDelta((DotSet) cur, ctx));
  }

  /**
   * Removes the key at {@code path}, whatever its types (what this replica has seen of it); a no-op
   * delta if absent. Returns the delta.
   */
  public Document remove(String path) {
    Path p = Path.parse(path);
    if (p.hasIndex()) {
      List<Path.Segment> segs = p.segments();
      Path.Segment last = segs.get(segs.size() - 1);
      Path parent = p.parent();
      if (last instanceof Path.Index at) {
        return delete(parent, at.index(), 1);
      }
      if (last instanceof Path.Key key) {
        return removeKey(parent, key.name());
      }
      throw new AssertionError(last); // Segment is sealed: a Key or an Index
    }
    PathWalk.checkPrefix(map.store(), p.segments(), p.segments().size() - 1, CrdtType.MAP,
        PathWalk.HOLDS_DOTS);
    return new Document(map.remove(writer(), p.keys(), null), null);
  }

  /** Removes every type under {@code name} in the map at {@code parent}, a path with an index. */
  private Document removeKey(Path parent, String name) {
    return edit(parent, CrdtType.MAP, 1, (cur, claim) -> {
      DotMap<TypedKey> delta = new DotMap<>();
      for (CrdtType t : CrdtType.values()) {
        DotStore current = cur == null ? null : castTypedMap(cur).get(new TypedKey(name, t));
        if (current != null) {
          current.collectDots(claim.context());
          delta.put(new TypedKey(name, t), current.skeleton());
        }
      }
      return delta;
    });
  }

  /**
   * Replaces the map at {@code path} with {@code content}: removes the map seen here, then writes
   * each entry (scalars as registers, maps as nested maps, collections as sets of scalars). Writes
   * under the old map concurrent with this one survive. Returns the delta.
   *
   * @throws IllegalArgumentException before changing anything, for a bad path, a type clash (as
   *     for any write of a map there), or a value that is not a scalar, a collection of scalars or
   *     a map
   */
  public Document putMap(String path, Map<String, ?> content) {
    Path p = Path.parse(path);
    if (p.hasIndex()) {
      checkContent(content);
      return edit(p, CrdtType.MAP, Math.max(1, Values.dotsNeeded(content)), (cur, claim) -> {
        DotMap<TypedKey> delta = cur == null ? new DotMap<>() : castTypedMap(cur.skeleton());
        if (cur != null) {
          cur.collectDots(claim.context());
        }
        DotStore fresh = Values.write(content, new Values.Dots(writer(), claim.dot().counter()));
        CausalContext freshDots = new CausalContext();
        fresh.collectDots(freshDots);
        delta.join(new CausalContext(), fresh, freshDots, true, true);
        return delta;
      });
    }
    PathWalk.checkPrefix(map.store(), p.segments(), p.segments().size(), CrdtType.MAP,
        PathWalk.HOLDS_DOTS);
    List<String> keys = p.keys();
    checkContent(content);
    Document delta = new Document(map.remove(writer(), keys, CrdtType.MAP), null);
    writeContent(keys, content, delta);
    return delta;
  }

  /** Refuses bad content before putMap changes anything. */
  private static void checkContent(Map<String, ?> content) {
    for (Map.Entry<String, ?> e : content.entrySet()) {
      requireArgument(e.getKey() != null, "map content has a null key");
      Object v = e.getValue();
      if (v instanceof Map) {
        @SuppressWarnings("unchecked")
        Map<String, ?> nested = (Map<String, ?>) v;
        checkContent(nested);
      } else if (v instanceof Iterable) {
        for (Object element : (Iterable<?>) v) {
          Scalars.normalize(element);
        }
      } else {
        Scalars.normalize(v);
      }
    }
  }

  /**
   * Writes checked content below {@code at} without checking paths again: the path to {@code at}
   * was checked before the map there was removed (that removal may leave a key above it holding
   * only another type, which must not refuse the content), and nothing is left below it.
   */
  private void writeContent(List<String> at, Map<String, ?> content, Document delta) {
    for (Map.Entry<String, ?> e : content.entrySet()) {
      List<String> keys = ImmutableList.<String>builder().addAll(at).add(e.getKey()).build();
      Object v = e.getValue();
      if (v instanceof Map) {
        @SuppressWarnings("unchecked")
        Map<String, ?> nested = (Map<String, ?>) v;
        writeContent(keys, nested, delta);
      } else if (v instanceof Iterable) {
        for (Object element : (Iterable<?>) v) {
          Object x = Scalars.normalize(element);
          delta.join(write(keys, CrdtType.SET,
              (cur, dot, ctx) -> AwSet.addDelta(castMap(cur), x, dot, ctx)));
        }
      } else {
        Object x = Scalars.normalize(v);
        delta.join(write(keys, CrdtType.REGISTER,
            (cur, dot, ctx) -> MvRegister.setDelta(castFun(cur), writer(), dot, x, ctx)));
      }
    }
  }

  private Document update(String path, CrdtType type, OrMap.LeafMutation mutation) {
    Path p = Path.parse(path);
    if (p.hasIndex()) {
      return edit(p, type, 1, (cur, claim) -> mutation.delta(cur, claim.dot(), claim.context()));
    }
    PathWalk.checkPrefix(map.store(), p.segments(), p.segments().size(), type,
        PathWalk.HOLDS_DOTS);
    return write(p.keys(), type, mutation);
  }

  // ---- lists and text -------------------------------------------------------------------------

  /**
   * Inserts {@code value} into the list at {@code path} before the element at {@code index} (at
   * the end for the list's size), creating the list if absent: a scalar as a register, a {@code
   * Map} as a map of its entries, any other {@code Iterable} as a set of scalars. Returns the
   * delta.
   *
   * @throws IllegalArgumentException for a bad path or value, or a type clash
   * @throws IndexOutOfBoundsException unless {@code 0 <= index <= size}
   */
  public Document insert(String path, int index, Object value) {
    int dots = 1 + Values.dotsNeeded(value);
    Path p = Path.parse(path);
    checkPosition(sizeAt(p, CrdtType.LIST), index);
    return editChecked(p, CrdtType.LIST, dots, (cur, claim) -> {
      DotSeq list = cur == null ? DotSeq.newList() : (DotSeq) cur;
      long id = claim.dot().counter();
      DotStore content = Values.write(value, new Values.Dots(writer(), id + 1));
      return list.insertDelta(index, writer().id(), id, Values.typeOf(value), content);
    });
  }

  /**
   * Removes {@code count} elements from {@code index} of the list at {@code path} (what this
   * replica has seen of them: an update of an element concurrent with this survives). Returns
   * the delta.
   *
   * @throws IllegalArgumentException for a bad path or a type clash
   * @throws IndexOutOfBoundsException unless the range lies within the list
   */
  public Document delete(String path, int index, int count) {
    return delete(Path.parse(path), index, count);
  }

  private Document delete(Path p, int index, int count) {
    checkRange(sizeAt(p, CrdtType.LIST), index, count);
    return editChecked(p, CrdtType.LIST, 1,
        (cur, claim) -> cur == null ? DotSeq.newList() : ((DotSeq) cur).removeDelta(index, count, claim.context()));
  }

  /**
   * Inserts {@code text} into the text at {@code path} before the character at {@code index}
   * (UTF-16 units), creating the text if absent. Returns the delta.
   *
   * @throws IllegalArgumentException for a bad path, empty text, or a type clash
   * @throws IndexOutOfBoundsException unless {@code 0 <= index <= length}
   */
  public Document insertText(String path, int index, String text) {
    requireArgument(!text.isEmpty(), "nothing to insert");
    Path p = Path.parse(path);
    checkPosition(sizeAt(p, CrdtType.TEXT), index);
    return editChecked(p, CrdtType.TEXT, text.length(), (cur, claim) ->
        (cur == null ? DotSeq.newText() : (DotSeq) cur)
            .insertTextDelta(index, writer().id(), claim.dot().counter(), text));
  }

  /**
   * Deletes {@code count} characters from {@code index} of the text at {@code path}. Returns the
   * delta.
   *
   * @throws IllegalArgumentException for a bad path or a type clash
   * @throws IndexOutOfBoundsException unless the range lies within the text
   */
  public Document deleteText(String path, int index, int count) {
    Path p = Path.parse(path);
    checkRange(sizeAt(p, CrdtType.TEXT), index, count);
    return editChecked(p, CrdtType.TEXT, 1,
        (cur, claim) -> cur == null ? DotSeq.newText() : ((DotSeq) cur).removeDelta(index, count, claim.context()));
  }

  /** The number of elements of the list, or characters of the text, at {@code path}; 0 if absent. */
  public int length(String path) {
    Path p = Path.parse(path);
    DotStore s = PathWalk.find(map.store(), p.segments(), CrdtType.LIST);
    if (s == null) {
      s = PathWalk.find(map.store(), p.segments(), CrdtType.TEXT);
    }
    return s == null ? 0 : (int) ((DotSeq) s).size();
  }

  /** Checks the path (as {@link #edit} does) and returns the length of the list or text there. */
  private int sizeAt(Path p, CrdtType type) {
    PathWalk.check(map.store(), p.segments(), type);
    DotStore s = PathWalk.find(map.store(), p.segments(), type);
    return s == null ? 0 : (int) ((DotSeq) s).size();
  }

  private static void checkPosition(int size, int index) {
    if (index < 0 || index > size) {
      throw new IndexOutOfBoundsException("position " + index + " out of bounds for size " + size);
    }
  }

  private static void checkRange(int size, int index, int count) {
    if (index < 0 || count < 0 || (long) index + count > size) {
      throw new IndexOutOfBoundsException(
          "range [" + index + ", " + ((long) index + count) + ") out of bounds for size " + size);
    }
  }

  /**
   * Changes the value of type {@code leafType} at {@code path}, which may run through list
   * elements: checks the path first (nothing changes if it is refused), claims {@code dots} dots,
   * and builds the delta down the path: maps for keys, element records for indexes.
   */
  private Document edit(Path path, CrdtType leafType, int dots, PathWalk.Edit edit) {
    PathWalk.check(map.store(), path.segments(), leafType);
    return editChecked(path, leafType, dots, edit);
  }

  /** {@link #edit} for a path {@link #sizeAt} has just checked. */
  private Document editChecked(Path path, CrdtType leafType, int dots, PathWalk.Edit edit) {
    List<Path.Segment> segs = path.segments();
    return new Document(map.mutate(writer(), dots,
        claim -> castTypedMap(PathWalk.descend(map.store(), segs, leafType, edit, claim))), null);
  }

  private Document write(List<String> keys, CrdtType type, OrMap.LeafMutation mutation) {
    return new Document(map.update(writer(), keys, type, mutation), null);
  }

  private Replica writer() {
    requireState(replica != null, "this document is not bound to a replica (deltas and decoded states are read-only); call bind()");
    return replica;
  }

  // ---- reads ----------------------------------------------------------------------------------

  /**
   * The JSON-like value at {@code path}: a sorted {@code Map<String, Object>} for a map, a {@code
   * List} for a set, {@code Long} for a counter, {@code Boolean} for a flag, a scalar for a register;
   * null if absent. Under a type conflict, the value of the highest type tag.
   */
  public Object get(String path) {
    Path p = Path.parse(path);
    if (p.hasIndex()) {
      PathWalk.Typed v = PathWalk.lookup(map.store(), p.segments());
      return v == null ? null : Values.render(v.type(), v.store());
    }
    List<String> keys = p.keys();
    DotMap<TypedKey> parent = map.mapAt(keys.subList(0, keys.size() - 1));
    if (parent == null) {
      return null;
    }
    String name = keys.get(keys.size() - 1);
    NavigableSet<CrdtType> types = OrMap.typesOf(parent, name);
    return types.isEmpty() ? null : Values.render(types.last(), parent.get(new TypedKey(name, types.last())));
  }

  /** True if something is stored at {@code path}. */
  public boolean contains(String path) {
    Path p = Path.parse(path);
    if (p.hasIndex()) {
      return PathWalk.lookup(map.store(), p.segments()) != null;
    }
    List<String> keys = p.keys();
    DotMap<TypedKey> parent = map.mapAt(keys.subList(0, keys.size() - 1));
    return parent != null && !OrMap.typesOf(parent, keys.get(keys.size() - 1)).isEmpty();
  }

  /** The whole document as a JSON-like sorted map (see {@link #get}). */
  public Map<String, Object> asMap() {
    return Values.renderMap(map.store());
  }

  /**
   * True if the JSON view shows any value ({@link #asMap()} is not empty). Not the same as
   * {@code !isEmpty()}: a list or text whose elements were all deleted keeps their tombstones in
   * the state but shows nothing.
   */
  public boolean hasValues() {
    return map.store().isVisible();
  }

  /** The whole document as JSON text, keys sorted, no spaces. */
  public String toJson() {
    StringBuilder sb = new StringBuilder();
    Json.write(asMap(), sb);
    return sb.toString();
  }

  /** Every conflict in the document, in path order. */
  public List<Conflict> conflicts() {
    return Conflict.collect(map.store());
  }

  @SuppressWarnings("unchecked")
  private static <V> DotFun<V> castFun(DotStore s) {
    return (DotFun<V>) s;
  }

  @SuppressWarnings("unchecked")
  private static DotMap<Object> castMap(DotStore s) {
    return (DotMap<Object>) s;
  }

  private static DotMap<TypedKey> castTypedMap(DotStore s) {
    return PathWalk.castTypedMap(s);
  }

  // ---- lattice --------------------------------------------------------------------------------

  @Override
  public void join(Document other) {
    map.join(other.map);
  }

  /**
   * An independent, <em>unbound</em> copy: it reads and joins, but its mutators throw until it is
   * bound. A replica writes one state per document; a bound copy would let two diverging copies
   * write with the same replica, which replicas resolve in different ways.
   */
  @Override
  public Document copy() {
    return new Document(map.copy(), null);
  }

  @Override
  public Document deltaSince(CausalContext remote) {
    return new Document(map.deltaSince(remote), null);
  }

  @Override
  public CausalContext context() {
    return map.context();
  }

  @Override
  public boolean isEmpty() {
    return map.isEmpty();
  }

  /** Equal stores and contexts; the bound replica does not count. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Document other && other.map.equals(map);
  }

  @Override
  public int hashCode() {
    return map.hashCode();
  }

  @Override
  public String toString() {
    return "Document" + toJson();
  }
}
