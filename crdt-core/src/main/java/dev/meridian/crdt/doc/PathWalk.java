package dev.meridian.crdt.doc;

import static dev.meridian.crdt.Preconditions.requireArgument;

import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.map.OrMap;
import dev.meridian.crdt.map.TypedKey;
import dev.meridian.crdt.store.DotMap;
import dev.meridian.crdt.store.DotSeq;
import dev.meridian.crdt.store.DotStore;
import java.util.ArrayList;
import java.util.List;
import java.util.NavigableSet;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/** The walks down a {@link Document}'s paths, from its root map: one walk, a step per purpose. */
final class PathWalk {
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
  static final Predicate<DotStore> HOLDS_DOTS = s -> !s.isEmpty();

  static final Predicate<DotStore> SHOWS = DotStore::isVisible;

  /** {@link #checkPrefix} of the whole path, asking for a value that shows. */
  static void check(DotMap<TypedKey> root, List<Path.Segment> segs, CrdtType leafType) {
    checkPrefix(root, segs, segs.size(), leafType, SHOWS);
  }

  /**
   * Refuses a path whose first {@code end} segments run through a value of another type, through
   * a list position that is not there, or (when {@code end} is the whole path) end at a value of
   * another type than {@code leafType} ({@link IllegalArgumentException} or {@link
   * IndexOutOfBoundsException}).
   */
  static void checkPrefix(DotMap<TypedKey> root, List<Path.Segment> segs, int end,
      CrdtType leafType, Predicate<DotStore> holds) {
    requireArgument(segs.get(0) instanceof Path.Key, "a document path starts with a key");
    walk(segs, end, (DotStore) root, new Step<>() {
      @Override
      public DotStore key(DotStore parent, String name, int i) {
        DotMap<TypedKey> m = castTypedMap(parent);
        CrdtType t = typeAt(segs, i, leafType);
        DotStore next = m.get(new TypedKey(name, t));
        if (next == null || !holds.test(next)) {
          NavigableSet<CrdtType> types = OrMap.typesOf(m, name);
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

  /**
   * {@code next}, unless it is absent and a later segment indexes into a list below it: an absent
   * value holds no list, so that position is not there (the walk stops at an absent value, so the
   * segments after it are looked at here, not by later steps).
   */
  private static DotStore listFollows(DotStore next, List<Path.Segment> segs, int i) {
    if (next == null) {
      for (int j = i + 1; j < segs.size(); j++) {
        if (segs.get(j) instanceof Path.Index) {
          throw new IndexOutOfBoundsException(
              String.format("'%s' is not a list here", prefix(segs, j - 1)));
        }
      }
    }
    return next;
  }

  /** The path of segments {@code [0, i]}, for messages. */
  private static Path prefix(List<Path.Segment> segs, int i) {
    return Path.of(segs.subList(0, i + 1));
  }

  /** The live store of type {@code leafType} at a path, or null (read only). */
  static DotStore find(DotMap<TypedKey> root, List<Path.Segment> segs, CrdtType leafType) {
    DotStore found = walk(segs, segs.size(), (DotStore) root, new Step<>() {
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
  static DotStore descend(DotMap<TypedKey> root, List<Path.Segment> segs, CrdtType leafType,
      Edit edit, Replica.Claim claim) {
    List<UnaryOperator<DotStore>> wraps = new ArrayList<>(segs.size());
    Below leaf = walk(segs, segs.size(), new Below(root), new Step<>() {
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

  /** A store with the type it is shown as. */
  record Typed(CrdtType type, DotStore store) {}

  /** The shown value at a path through maps and lists, or null: as the JSON view shows it. */
  static Typed lookup(DotMap<TypedKey> root, List<Path.Segment> segs) {
    return walk(segs, segs.size(), new Typed(CrdtType.MAP, root), new Step<>() {
      @Override
      public Typed key(Typed parent, String name, int i) {
        if (parent.type() != CrdtType.MAP) {
          return null;
        }
        DotMap<TypedKey> m = castTypedMap(parent.store());
        NavigableSet<CrdtType> types = OrMap.typesOf(m, name);
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

  /** Builds the delta of the value at a path's leaf from its current store (null if absent). */
  @FunctionalInterface
  interface Edit {
    DotStore delta(DotStore current, Replica.Claim claim);
  }

  /** The type the segment at {@code i} addresses: a map before a key, a list before an index. */
  private static CrdtType typeAt(List<Path.Segment> segs, int i, CrdtType leafType) {
    if (i == segs.size() - 1) {
      return leafType;
    }
    return segs.get(i + 1) instanceof Path.Key ? CrdtType.MAP : CrdtType.LIST;
  }

  @SuppressWarnings("unchecked")
  static DotMap<TypedKey> castTypedMap(DotStore s) {
    return (DotMap<TypedKey>) s;
  }

  private PathWalk() {}
}
