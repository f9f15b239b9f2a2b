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
import dev.meridian.crdt.register.RegisterEntry;
import dev.meridian.crdt.set.AwSet;
import dev.meridian.crdt.store.DotFun;
import dev.meridian.crdt.store.DotMap;
import dev.meridian.crdt.store.DotSeq;
import dev.meridian.crdt.store.DotSet;
import dev.meridian.crdt.store.DotStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

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
    checkPrefix(p.segments(), p.segments().size() - 1, CrdtType.MAP, HOLDS_DOTS);
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
    checkPrefix(p.segments(), p.segments().size(), CrdtType.MAP, HOLDS_DOTS);
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
    checkPrefix(p.segments(), p.segments().size(), type, HOLDS_DOTS);
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
    DotStore s = find(p.segments(), CrdtType.LIST);
    if (s == null) {
      s = find(p.segments(), CrdtType.TEXT);
    }
    return s == null ? 0 : (int) ((DotSeq) s).size();
  }

  /** Checks the path (as {@link #edit} does) and returns the length of the list or text there. */
  private int sizeAt(Path p, CrdtType type) {
    check(p.segments(), type);
    DotStore s = find(p.segments(), type);
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

  /** Builds the delta of the value at a path's leaf from its current store (null if absent). */
  @FunctionalInterface
  private interface Edit {
    DotStore delta(DotStore current, Replica.Claim claim);
  }

  /**
   * Changes the value of type {@code leafType} at {@code path}, which may run through list
   * elements: checks the path first (nothing changes if it is refused), claims {@code dots} dots,
   * and builds the delta down the path: maps for keys, element records for indexes.
   */
  private Document edit(Path path, CrdtType leafType, int dots, Edit edit) {
    check(path.segments(), leafType);
    return editChecked(path, leafType, dots, edit);
  }

  /** {@link #edit} for a path {@link #sizeAt} has just checked. */
  private Document editChecked(Path path, CrdtType leafType, int dots, Edit edit) {
    List<Path.Segment> segs = path.segments();
    return new Document(map.mutate(writer(), dots,
        claim -> castTypedMap(descend(segs, leafType, edit, claim))), null);
  }

  /** The type the segment at {@code i} addresses: a map before a key, a list before an index. */
  private static CrdtType typeAt(List<Path.Segment> segs, int i, CrdtType leafType) {
    if (i == segs.size() - 1) {
      return leafType;
    }
    return segs.get(i + 1) instanceof Path.Key ? CrdtType.MAP : CrdtType.LIST;
  }

  // ---- paths ----------------------------------------------------------------------------------

  /*
   * Every walk down a path is walk() with a Step: checkPrefix refuses a local write's path before
   * anything changes, find gives the live store of an expected type, lookup the value the JSON
   * view shows, and descend the stores an edit's delta is built from. Keys are looked up under the
   * type the next segment (or the leaf) needs: a map before a key, a list before an index.
   */

  /** One step down a path: from the value segment {@code i} is looked up in to the one it names. */
  private interface Step<T> {
    T key(T parent, String name, int i);

    T index(T parent, int index, int i);
  }

  /** Takes the steps of segments {@code [0, end)} from {@code root}; null once a step gives null. */
  private static <T> T walk(List<Path.Segment> segs, int end, T root, Step<T> step) {
    T cur = root;
    for (int i = 0; i < end && cur != null; i++) {
      Path.Segment s = segs.get(i);
      if (s instanceof Path.Key key) {
        cur = step.key(cur, key.name(), i);
      } else if (s instanceof Path.Index at) {
        cur = step.index(cur, at.index(), i);
      }
    }
    return cur;
  }

  /**
   * Whether a store found under the expected type holds a value there, so that type is among the
   * key's types and the check passes without collecting them all (the common case of writing an
   * existing value; typesOf costs a TreeSet and a lookup per type). Writes to paths of keys only
   * ask for any dot or record ({@code HOLDS_DOTS}); paths with an index and sequence edits ask for
   * a value that shows ({@code SHOWS}).
   */
  private static final Predicate<DotStore> HOLDS_DOTS = s -> !s.isEmpty();

  private static final Predicate<DotStore> SHOWS = DotStore::isVisible;

  private void check(List<Path.Segment> segs, CrdtType leafType) {
    checkPrefix(segs, segs.size(), leafType, SHOWS);
  }

  /**
   * Refuses a path whose first {@code end} segments run through a value of another type, through
   * a list position that is not there, or (when {@code end} is the whole path) end at a value of
   * another type than {@code leafType} ({@link IllegalArgumentException} or {@link
   * IndexOutOfBoundsException}).
   */
  private void checkPrefix(List<Path.Segment> segs, int end, CrdtType leafType,
      Predicate<DotStore> holds) {
    requireArgument(segs.get(0) instanceof Path.Key, "a document path starts with a key");
    walk(segs, end, (DotStore) map.store(), new Step<>() {
      @Override
      public DotStore key(DotStore parent, String name, int i) {
        DotMap<TypedKey> m = castTypedMap(parent);
        CrdtType t = typeAt(segs, i, leafType);
        DotStore next = m.get(new TypedKey(name, t));
        if (next == null || !holds.test(next)) {
          TreeSet<CrdtType> types = OrMap.typesOf(m, name);
          if (!types.isEmpty() && !types.contains(t)) {
            throw new TypeClashException(i == segs.size() - 1
                ? String.format("'%s' holds a %s; remove it before writing a %s", prefix(segs, i),
                    types.last().label(), t.label())
                : String.format("'%s' is a %s, not a %s", prefix(segs, i), types.last().label(),
                    t.label()));
          }
        }
        return listFollows(next, segs, i);
      }

      @Override
      public DotStore index(DotStore parent, int index, int i) {
        DotSeq list = (DotSeq) parent;
        CrdtType t = typeAt(segs, i, leafType);
        if (index >= list.size()) {
          throw new IndexOutOfBoundsException(String.format(
              "'%s': index %s out of bounds for a list of %s", prefix(segs, i), index, list.size()));
        }
        DotSeq.Element e = list.element(index);
        if (e.type() != t) {
          throw new TypeClashException(String.format(
              "'%s' is a %s, not a %s", prefix(segs, i), e.type().label(), t.label()));
        }
        return listFollows(e.value(), segs, i);
      }
    });
  }

  /** {@code next}, unless it is absent and the segment after {@code i} indexes into it. */
  private static DotStore listFollows(DotStore next, List<Path.Segment> segs, int i) {
    if (next == null && i < segs.size() - 1 && segs.get(i + 1) instanceof Path.Index) {
      throw new IndexOutOfBoundsException(
          String.format("'%s' is not a list here", prefix(segs, i)));
    }
    return next;
  }

  /** The path of segments {@code [0, i]}, for messages. */
  private static Path prefix(List<Path.Segment> segs, int i) {
    return Path.of(segs.subList(0, i + 1));
  }

  /** The live store of type {@code leafType} at a path, or null (read only). */
  private DotStore find(List<Path.Segment> segs, CrdtType leafType) {
    DotStore found = walk(segs, segs.size(), (DotStore) map.store(), new Step<>() {
      @Override
      public DotStore key(DotStore parent, String name, int i) {
        return parent instanceof DotMap
            ? castTypedMap(parent).get(new TypedKey(name, typeAt(segs, i, leafType)))
            : null;
      }

      @Override
      public DotStore index(DotStore parent, int index, int i) {
        if (!(parent instanceof DotSeq list) || list.isText()) {
          return null;
        }
        if (index >= list.size() || list.element(index).type() != typeAt(segs, i, leafType)) {
          return null;
        }
        return list.element(index).value();
      }
    });
    return found == null || !found.isVisible() ? null : found;
  }

  /** A store on the way down, null where the path's value is absent (descend goes on through it). */
  private record Below(DotStore store) {}

  /**
   * The delta of {@code edit} at the path's leaf, wrapped on the way back up: in a one-key map
   * for each key, in an element update for each index. The path was checked, so every index is
   * there.
   */
  private DotStore descend(List<Path.Segment> segs, CrdtType leafType, Edit edit,
      Replica.Claim claim) {
    List<UnaryOperator<DotStore>> wraps = new ArrayList<>(segs.size());
    Below leaf = walk(segs, segs.size(), new Below(map.store()), new Step<>() {
      @Override
      public Below key(Below parent, String name, int i) {
        TypedKey k = new TypedKey(name, typeAt(segs, i, leafType));
        wraps.add(delta -> DotMap.of(k, delta));
        return new Below(parent.store() == null ? null : castTypedMap(parent.store()).get(k));
      }

      @Override
      public Below index(Below parent, int index, int i) {
        DotSeq list = (DotSeq) parent.store();
        wraps.add(delta -> list.updateDelta(index, delta));
        return new Below(list.element(index).value());
      }
    });
    DotStore delta = edit.delta(leaf.store(), claim);
    for (int i = wraps.size() - 1; i >= 0; i--) {
      delta = wraps.get(i).apply(delta);
    }
    return delta;
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
      Typed v = lookup(p.segments());
      return v == null ? null : Values.render(v.type(), v.store());
    }
    List<String> keys = p.keys();
    DotMap<TypedKey> parent = map.mapAt(keys.subList(0, keys.size() - 1));
    if (parent == null) {
      return null;
    }
    String name = keys.get(keys.size() - 1);
    TreeSet<CrdtType> types = OrMap.typesOf(parent, name);
    return types.isEmpty() ? null : valueOf(types.last(), parent.get(new TypedKey(name, types.last())));
  }

  /** True if something is stored at {@code path}. */
  public boolean contains(String path) {
    Path p = Path.parse(path);
    if (p.hasIndex()) {
      return lookup(p.segments()) != null;
    }
    List<String> keys = p.keys();
    DotMap<TypedKey> parent = map.mapAt(keys.subList(0, keys.size() - 1));
    return parent != null && !OrMap.typesOf(parent, keys.get(keys.size() - 1)).isEmpty();
  }

  private record Typed(CrdtType type, DotStore store) {}

  /** The shown value at a path through maps and lists, or null: as the JSON view shows it. */
  private Typed lookup(List<Path.Segment> segs) {
    return walk(segs, segs.size(), new Typed(CrdtType.MAP, map.store()), new Step<>() {
      @Override
      public Typed key(Typed parent, String name, int i) {
        if (parent.type() != CrdtType.MAP) {
          return null;
        }
        DotMap<TypedKey> m = castTypedMap(parent.store());
        TreeSet<CrdtType> types = OrMap.typesOf(m, name);
        return types.isEmpty() ? null : new Typed(types.last(), m.get(new TypedKey(name, types.last())));
      }

      @Override
      public Typed index(Typed parent, int index, int i) {
        if (parent.type() != CrdtType.LIST) {
          return null;
        }
        DotSeq list = (DotSeq) parent.store();
        if (index >= list.size()) {
          return null;
        }
        DotSeq.Element e = list.element(index);
        return new Typed(e.type(), e.value());
      }
    });
  }

  /** The whole document as a JSON-like sorted map (see {@link #get}). */
  public Map<String, Object> asMap() {
    return mapValue(map.store());
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
    List<Conflict> out = new ArrayList<>();
    collectConflicts(map.store(), null, out);
    return out;
  }

  private void collectConflicts(DotMap<TypedKey> m, Path at, List<Conflict> out) {
    for (String name : OrMap.namesOf(m)) {
      Path p = at == null ? Path.ofKeys(List.of(name)) : at.child(name);
      TreeSet<CrdtType> types = OrMap.typesOf(m, name);
      if (types.size() > 1) {
        ImmutableList.Builder<Conflict.Candidate> b = ImmutableList.builder();
        for (CrdtType t : types.descendingSet()) {
          b.add(new Conflict.Candidate(t, valueOf(t, m.get(new TypedKey(name, t)))));
        }
        out.add(new Conflict(p.toString(), b.build()));
      }
      for (CrdtType t : types) {
        collectValueConflicts(t, m.get(new TypedKey(name, t)), p, out);
      }
    }
  }

  /** Conflicts inside one value: a register's concurrent values, or those below a map or list. */
  private void collectValueConflicts(CrdtType type, DotStore s, Path p, List<Conflict> out) {
    if (type == CrdtType.REGISTER && ((DotFun<?>) s).size() > 1) {
      ImmutableList.Builder<Conflict.Candidate> b = ImmutableList.builder();
      for (Object v : MvRegister.values(castFun(s))) {
        b.add(new Conflict.Candidate(CrdtType.REGISTER, v));
      }
      out.add(new Conflict(p.toString(), b.build()));
    } else if (type == CrdtType.MAP) {
      collectConflicts(castTypedMap(s), p, out);
    } else if (type == CrdtType.LIST) {
      List<DotSeq.Element> elements = ((DotSeq) s).elements();
      for (int i = 0; i < elements.size(); i++) {
        collectValueConflicts(elements.get(i).type(), elements.get(i).value(), p.index(i), out);
      }
    }
  }

  private Map<String, Object> mapValue(DotMap<TypedKey> m) {
    return Values.renderMap(m);
  }

  private Object valueOf(CrdtType type, DotStore s) {
    return Values.render(type, s);
  }

  @SuppressWarnings("unchecked")
  private static <V> DotFun<V> castFun(DotStore s) {
    return (DotFun<V>) s;
  }

  @SuppressWarnings("unchecked")
  private static DotMap<Object> castMap(DotStore s) {
    return (DotMap<Object>) s;
  }

  @SuppressWarnings("unchecked")
  private static DotMap<TypedKey> castTypedMap(DotStore s) {
    return (DotMap<TypedKey>) s;
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
