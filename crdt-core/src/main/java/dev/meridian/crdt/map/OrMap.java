package dev.meridian.crdt.map;

import static dev.meridian.crdt.Preconditions.requireArgument;

import dev.meridian.crdt.CausalCrdt;
import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.Dot;
import dev.meridian.crdt.store.DotFun;
import dev.meridian.crdt.store.DotMap;
import dev.meridian.crdt.store.DotSeq;
import dev.meridian.crdt.store.DotSet;
import dev.meridian.crdt.store.DotStore;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.TreeSet;

/**
 * An observed-remove map from typed keys to nested causal values (registers, counters, flags, sets
 * and maps), all sharing this map's causal context.
 *
 * <p>Updating a value below a key goes through that value's own mutator, so concurrent updates of
 * one value merge by that value's rules. Removing a key removes what the remover observed: the dots
 * under it that it had seen. An update concurrent with the removal survives (its dot was not seen),
 * and the rest is gone; a counter under a removed key is thereby reset as observed. Keys carry their
 * value's type, so concurrent writes of different types to one name both survive, as two entries
 * with the same name (a conflict the reader can see). A nested map exists while something below it
 * does. Merge is the dot-map join, recursively.
 *
 * @see <a href="https://arxiv.org/abs/1603.01529">Almeida, Shoker, Baquero: Delta State Replicated
 *     Data Types (JPDC 2018), observed-remove map</a>
 * @see <a href="https://github.com/basho/riak_dt">riak_dt: maps with typed keys</a>
 */
public final class OrMap extends CausalCrdt<OrMap, DotMap<TypedKey>> {
  /** An empty map. */
  public OrMap() {
    this(new DotMap<>(), new CausalContext(), false);
  }

  private OrMap(DotMap<TypedKey> store, CausalContext context, boolean keyed) {
    super(store, context, keyed);
  }

  /** A map from decoded parts (codecs and storage); takes ownership of them. */
  public static OrMap of(DotMap<TypedKey> store, CausalContext context, boolean keyed) {
    return new OrMap(store, context, keyed);
  }

  @Override
  protected OrMap create(DotMap<TypedKey> store, CausalContext context, boolean keyed) {
    return new OrMap(store, context, keyed);
  }

  /**
   * Builds the delta of one change to the value of type {@code type} under {@code path} (each
   * element a key name; all but the last name nested maps), given the value's current store.
   */
  @FunctionalInterface
  public interface LeafMutation {
    /**
     * Builds the delta store of one change to a leaf value.
     *
     * @param current the value's current store, or null if absent
     * @param dot the freshly minted dot for this change
     * @param deltaContext add every dot the change overwrites or removes
     * @return the delta store for the value
     */
    DotStore delta(DotStore current, Dot dot, CausalContext deltaContext);
  }

  /**
   * Applies a mutation to the value of type {@code type} at {@code path} as {@code replica},
   * creating the nested maps on the way; returns the delta.
   *
   * @throws IllegalArgumentException if the path is empty, deeper than {@link #MAX_DEPTH} or has a
   *     name that is not well-formed UTF-16, or if the mutation returns a store that cannot hold a
   *     value of {@code type}
   */
  public OrMap update(Replica replica, List<String> path, CrdtType type, LeafMutation mutation) {
    checkPath(path);
    Replica.Claim claim = replica.claim(context);
    DotMap<TypedKey> deltaRoot = new DotMap<>();
    Walk walk = descend(path, deltaRoot);
    TypedKey leaf = new TypedKey(path.get(path.size() - 1), type);
    DotStore current = walk.state() == null ? null : walk.state().get(leaf);
    DotStore delta = mutation.delta(current, claim.dot(), claim.context());
    // Compared without building an empty store or the message's arguments on every write.
    if (storeClass(type) != delta.getClass()) {
      requireArgument(false, "mutation for a %s returned a %s",
          type.label(), delta.getClass().getSimpleName());
    }
    checkValues(type, delta);
    walk.delta().put(leaf, delta);
    return applyDelta(claim, deltaRoot);
  }

  /**
   * Applies a change whose delta {@code build} makes from a claim of {@code dots} consecutive dots
   * (for changes below list elements, or that mint several dots, such as inserting text or a list
   * element with its fields); returns the delta.
   *
   * @throws IllegalArgumentException unless {@code dots >= 1}
   */
  public OrMap mutate(Replica replica, int dots,
      java.util.function.Function<Replica.Claim, DotMap<TypedKey>> build) {
    Replica.Claim claim = replica.claim(context, dots);
    return applyDelta(claim, build.apply(claim));
  }

  /**
   * Removes the values under the last name of {@code path}: those of type {@code type}, or of every
   * type if {@code type} is null. Only what this replica has seen is removed. Returns the delta.
   */
  public OrMap remove(Replica replica, List<String> path, CrdtType type) {
    checkPath(path);
    Replica.Claim claim = replica.claim(context);
    DotMap<TypedKey> deltaRoot = new DotMap<>();
    Walk walk = descend(path, deltaRoot);
    String name = path.get(path.size() - 1);
    for (CrdtType t : CrdtType.values()) {
      if (type != null && t != type) {
        continue;
      }
      TypedKey key = new TypedKey(name, t);
      DotStore current = walk.state() == null ? null : walk.state().get(key);
      if (current != null) {
        current.collectDots(claim.context());
        walk.delta().put(key, current.skeleton());
      }
    }
    return applyDelta(claim, deltaRoot);
  }

  /** Deepest nesting of maps a path may reach (decoders refuse deeper states). */
  public static final int MAX_DEPTH = 256;

  private static void checkPath(List<String> path) {
    requireArgument(!path.isEmpty(), "path must not be empty");
    requireArgument(path.size() <= MAX_DEPTH, "path deeper than %s maps", MAX_DEPTH);
    for (String name : path) {
      dev.meridian.crdt.Scalars.requireWellFormed(name, "key name");
    }
  }

  /** Checks a mutation's delta store holds what a value of {@code type} holds. */
  private static void checkValues(CrdtType type, DotStore delta) {
    switch (type) {
      case REGISTER -> ((DotFun<?>) delta).forEach((d, v) -> requireArgument(
          v instanceof dev.meridian.crdt.register.RegisterEntry, "a register holds register entries, not %s", v));
      case COUNTER -> ((DotFun<?>) delta).forEach((d, v) -> requireArgument(
          v instanceof Long, "a counter holds longs, not %s", v));
      case SET -> ((DotMap<?>) delta).entrySet().forEach(e -> requireArgument(
          e.getValue() instanceof DotSet, "a set element holds a dot set, not %s", e.getValue()));
      case MAP -> ((DotMap<?>) delta).keySet().forEach(k -> requireArgument(
          k instanceof TypedKey, "a map holds typed keys, not %s", k));
      case LIST, TEXT -> requireArgument(((DotSeq) delta).isText() == (type == CrdtType.TEXT),
          "a %s holds a %s sequence", type.label(), type.label());
      default -> { }
    }
  }

  /** The parent maps of a path's leaf: in this state (null if absent) and in the delta being built. */
  private record Walk(DotMap<TypedKey> state, DotMap<TypedKey> delta) {}

  /**
   * Walks the nested maps of {@code path} (all but its last name) in this state and builds the same
   * chain of maps in {@code deltaRoot}.
   */
  @SuppressWarnings("unchecked")
  private Walk descend(List<String> path, DotMap<TypedKey> deltaRoot) {
    DotMap<TypedKey> cur = store;
    DotMap<TypedKey> dcur = deltaRoot;
    for (int i = 0; i < path.size() - 1; i++) {
      TypedKey k = new TypedKey(path.get(i), CrdtType.MAP);
      cur = cur == null ? null : (DotMap<TypedKey>) cur.get(k);
      DotMap<TypedKey> next = new DotMap<>();
      dcur.put(k, next);
      dcur = next;
    }
    return new Walk(cur, dcur);
  }

  /**
   * The live store of the value of type {@code type} at {@code path}, or null. Read it; do not mutate
   * it.
   */
  @SuppressWarnings("unchecked")
  public DotStore find(List<String> path, CrdtType type) {
    DotMap<TypedKey> parent = mapAt(path.subList(0, path.size() - 1));
    return parent == null ? null : parent.get(new TypedKey(path.get(path.size() - 1), type));
  }

  /** The live nested map at {@code path} (the root for an empty path), or null. */
  @SuppressWarnings("unchecked")
  public DotMap<TypedKey> mapAt(List<String> path) {
    DotMap<TypedKey> cur = store;
    for (String name : path) {
      cur = (DotMap<TypedKey>) cur.get(new TypedKey(name, CrdtType.MAP));
      if (cur == null) {
        return null;
      }
    }
    return cur;
  }

  /**
   * The types present under {@code name} in the live map {@code map}, in tag order: those whose
   * value shows (a text or list whose elements were all removed keeps its records, but is absent).
   */
  public static NavigableSet<CrdtType> typesOf(DotMap<TypedKey> map, String name) {
    TreeSet<CrdtType> out = new TreeSet<>();
    for (CrdtType t : CrdtType.values()) {
      DotStore s = map.get(new TypedKey(name, t));
      if (s != null && s.isVisible()) {
        out.add(t);
      }
    }
    return out;
  }

  /** The names present in a live map, sorted. */
  public static NavigableSet<String> namesOf(DotMap<TypedKey> map) {
    TreeSet<String> out = new TreeSet<>();
    for (Map.Entry<TypedKey, DotStore> e : map.entrySet()) {
      if (e.getValue().isVisible()) {
        out.add(e.getKey().name());
      }
    }
    return out;
  }

  /** The class of {@link #emptyStore(CrdtType)}'s result, without making one. */
  private static Class<? extends DotStore> storeClass(CrdtType type) {
    return switch (type) {
      case REGISTER, COUNTER -> DotFun.class;
      case FLAG -> DotSet.class;
      case SET, MAP -> DotMap.class;
      case LIST, TEXT -> DotSeq.class;
    };
  }

  /** An empty store of the kind that holds values of {@code type}. */
  public static DotStore emptyStore(CrdtType type) {
    return switch (type) {
      case REGISTER, COUNTER -> new DotFun<>();
      case FLAG -> new DotSet();
      case SET, MAP -> new DotMap<>();
      case LIST -> DotSeq.newList();
      case TEXT -> DotSeq.newText();
    };
  }
}
