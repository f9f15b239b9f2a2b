package dev.meridian.crdt.doc;

import static dev.meridian.crdt.Preconditions.requireState;

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
    return delta(writes().update(path, CrdtType.REGISTER,
        (cur, dot, ctx) -> MvRegister.setDelta(Values.fun(cur), writer(), dot, v, ctx)));
  }

  /** Adds {@code amount} (may be negative) to the counter at {@code path}; returns the delta. */
  public Document increment(String path, long amount) {
    return delta(writes().update(path, CrdtType.COUNTER,
        (cur, dot, ctx) -> Counter.incrementDelta(Values.fun(cur), dot, amount, ctx)));
  }

  /** Adds a scalar to the set at {@code path}; returns the delta. */
  public Document add(String path, Object element) {
    Object e = Scalars.normalize(element);
    return delta(writes().update(path, CrdtType.SET,
        (cur, dot, ctx) -> AwSet.addDelta(Values.set(cur), e, dot, ctx)));
  }

  /** Removes a scalar from the set at {@code path} (the adds seen here); returns the delta. */
  public Document removeElement(String path, Object element) {
    Object e = Scalars.normalize(element);
    return delta(writes().update(path, CrdtType.SET,
        (cur, dot, ctx) -> AwSet.removeDelta(Values.set(cur), e, ctx)));
  }

  /** Turns on the flag at {@code path}; returns the delta. */
  public Document enable(String path) {
    return delta(writes().update(path, CrdtType.FLAG,
        (cur, dot, ctx) -> EwFlag.enableDelta((DotSet) cur, dot, ctx)));
  }

  /** Turns off the flag at {@code path}; returns the delta. */
  public Document disable(String path) {
    return delta(writes().update(path, CrdtType.FLAG,
        (cur, dot, ctx) -> EwFlag.disableDelta((DotSet) cur, ctx)));
  }

  /**
   * Removes the key at {@code path}, whatever its types (what this replica has seen of it); a no-op
   * delta if absent. Returns the delta.
   */
  public Document remove(String path) {
    return delta(writes().remove(path));
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
    return delta(writes().putMap(path, content));
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
    return delta(writes().insert(path, index, value));
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
    return delta(writes().delete(Path.parse(path), index, count));
  }

  /**
   * Inserts {@code text} into the text at {@code path} before the character at {@code index}
   * (UTF-16 units), creating the text if absent. Returns the delta.
   *
   * @throws IllegalArgumentException for a bad path, empty text, or a type clash
   * @throws IndexOutOfBoundsException unless {@code 0 <= index <= length}
   */
  public Document insertText(String path, int index, String text) {
    return delta(writes().insertText(path, index, text));
  }

  /**
   * Deletes {@code count} characters from {@code index} of the text at {@code path}. Returns the
   * delta.
   *
   * @throws IllegalArgumentException for a bad path or a type clash
   * @throws IndexOutOfBoundsException unless the range lies within the text
   */
  public Document deleteText(String path, int index, int count) {
    return delta(writes().deleteText(path, index, count));
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

  /** The writes of this document, as its bound replica. */
  private PathWrites writes() {
    return new PathWrites(map, this::writer);
  }

  /** A write's delta: an unbound document. */
  private static Document delta(OrMap delta) {
    return new Document(delta, null);
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
