package dev.meridian.crdt.doc;

import static dev.meridian.crdt.Preconditions.requireArgument;

import com.google.common.collect.ImmutableList;
import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.Scalars;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.map.OrMap;
import dev.meridian.crdt.map.TypedKey;
import dev.meridian.crdt.register.MvRegister;
import dev.meridian.crdt.set.AwSet;
import dev.meridian.crdt.store.DotMap;
import dev.meridian.crdt.store.DotSeq;
import dev.meridian.crdt.store.DotStore;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * How a {@link Document}'s local write at a path becomes its delta: the path is checked against
 * the state first (nothing changes if it is refused), then dots are claimed and the leaf's delta
 * is built and joined in. Paths of keys only go through {@link OrMap}'s own update and remove;
 * paths with a list index through {@link PathWalk}, which wraps the leaf's delta in one-key maps
 * and element updates on the way back up.
 */
final class PathWrites {
  private final OrMap map;
  /** The replica writing, asked for only once the path is checked (unbound documents throw). */
  private final Supplier<Replica> writer;

  PathWrites(OrMap map, Supplier<Replica> writer) {
    this.map = map;
    this.writer = writer;
  }

  /** Applies {@code mutation} to the value of type {@code type} at {@code path}. */
  OrMap update(String path, CrdtType type, OrMap.LeafMutation mutation) {
    Path p = Path.parse(path);
    if (p.hasIndex()) {
      return edit(p, type, 1, (cur, claim) -> mutation.delta(cur, claim.dot(), claim.context()));
    }
    PathWalk.checkPrefix(map.store(), p.segments(), p.segments().size(), type,
        PathWalk.HOLDS_DOTS);
    return write(p.keys(), type, mutation);
  }

  /** Removes every type at {@code path}, or the list element a final index names. */
  OrMap remove(String path) {
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
    return map.remove(writer.get(), p.keys(), null);
  }

  /** Removes every type under {@code name} in the map at {@code parent}, a path with an index. */
  private OrMap removeKey(Path parent, String name) {
    return edit(parent, CrdtType.MAP, 1, (cur, claim) -> {
      DotMap<TypedKey> delta = new DotMap<>();
      for (CrdtType t : CrdtType.values()) {
        DotStore current = cur == null ? null : PathWalk.castTypedMap(cur).get(new TypedKey(name, t));
        if (current != null) {
          current.collectDots(claim.context());
          delta.put(new TypedKey(name, t), current.skeleton());
        }
      }
      return delta;
    });
  }

  /** Replaces the map at {@code path} with {@code content} (see {@link Document#putMap}). */
  OrMap putMap(String path, Map<String, ?> content) {
    Path p = Path.parse(path);
    if (p.hasIndex()) {
      checkContent(content);
      return edit(p, CrdtType.MAP, Math.max(1, Values.dotsNeeded(content)), (cur, claim) -> {
        DotMap<TypedKey> delta = cur == null ? new DotMap<>() : PathWalk.castTypedMap(cur.skeleton());
        if (cur != null) {
          cur.collectDots(claim.context());
        }
        DotStore fresh = Values.write(content, new Values.Dots(writer.get(), claim.dot().counter()));
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
    OrMap delta = map.remove(writer.get(), keys, CrdtType.MAP);
    writeContent(keys, content, delta);
    return delta;
  }

  /** Refuses bad content before putMap changes anything. */
  private static void checkContent(Map<String, ?> content) {
    for (Map.Entry<String, ?> e : content.entrySet()) {
      requireArgument(e.getKey() != null, "map content has a null key");
      Object v = e.getValue();
      if (v instanceof Map<?, ?> nested) {
        @SuppressWarnings("unchecked") // putMap's content: string keys, checked here on the way
        Map<String, ?> entries = (Map<String, ?>) nested;
        checkContent(entries);
      } else if (v instanceof Iterable<?> elements) {
        for (Object element : elements) {
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
  private void writeContent(List<String> at, Map<String, ?> content, OrMap delta) {
    for (Map.Entry<String, ?> e : content.entrySet()) {
      List<String> keys = ImmutableList.<String>builder().addAll(at).add(e.getKey()).build();
      Object v = e.getValue();
      if (v instanceof Map<?, ?> nested) {
        @SuppressWarnings("unchecked") // checked by checkContent
        Map<String, ?> entries = (Map<String, ?>) nested;
        writeContent(keys, entries, delta);
      } else if (v instanceof Iterable<?> elements) {
        for (Object element : elements) {
          Object x = Scalars.normalize(element);
          delta.join(write(keys, CrdtType.SET,
              (cur, dot, ctx) -> AwSet.addDelta(Values.set(cur), x, dot, ctx)));
        }
      } else {
        Object x = Scalars.normalize(v);
        delta.join(write(keys, CrdtType.REGISTER,
            (cur, dot, ctx) -> MvRegister.setDelta(Values.fun(cur), writer.get(), dot, x, ctx)));
      }
    }
  }

  // ---- lists and text -------------------------------------------------------------------------

  /** Inserts {@code value} into the list at {@code path} (see {@link Document#insert}). */
  OrMap insert(String path, int index, Object value) {
    int dots = 1 + Values.dotsNeeded(value);
    Path p = Path.parse(path);
    checkPosition(sizeAt(p, CrdtType.LIST), index);
    return editChecked(p, CrdtType.LIST, dots, (cur, claim) -> {
      DotSeq list = cur == null ? DotSeq.newList() : (DotSeq) cur;
      long id = claim.dot().counter();
      DotStore content = Values.write(value, new Values.Dots(writer.get(), id + 1));
      return list.insertDelta(index, writer.get().id(), id, Values.typeOf(value), content);
    });
  }

  /** Removes {@code count} elements of the list at {@code p} from {@code index}. */
  OrMap delete(Path p, int index, int count) {
    checkRange(sizeAt(p, CrdtType.LIST), index, count);
    return editChecked(p, CrdtType.LIST, 1, (cur, claim) -> cur == null ? DotSeq.newList()
        : ((DotSeq) cur).removeDelta(index, count, claim.context()));
  }

  /** Inserts {@code text} into the text at {@code path} before {@code index}. */
  OrMap insertText(String path, int index, String text) {
    requireArgument(!text.isEmpty(), "nothing to insert");
    Path p = Path.parse(path);
    checkPosition(sizeAt(p, CrdtType.TEXT), index);
    return editChecked(p, CrdtType.TEXT, text.length(), (cur, claim) ->
        (cur == null ? DotSeq.newText() : (DotSeq) cur)
            .insertTextDelta(index, writer.get().id(), claim.dot().counter(), text));
  }

  /** Deletes {@code count} characters of the text at {@code path} from {@code index}. */
  OrMap deleteText(String path, int index, int count) {
    Path p = Path.parse(path);
    checkRange(sizeAt(p, CrdtType.TEXT), index, count);
    return editChecked(p, CrdtType.TEXT, 1, (cur, claim) -> cur == null ? DotSeq.newText()
        : ((DotSeq) cur).removeDelta(index, count, claim.context()));
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

  // ---- the two ways down --------------------------------------------------------------------

  /**
   * Changes the value of type {@code leafType} at {@code path}, which may run through list
   * elements: checks the path first (nothing changes if it is refused), claims {@code dots} dots,
   * and builds the delta down the path: maps for keys, element records for indexes.
   */
  private OrMap edit(Path path, CrdtType leafType, int dots, PathWalk.Edit edit) {
    PathWalk.check(map.store(), path.segments(), leafType);
    return editChecked(path, leafType, dots, edit);
  }

  /** {@link #edit} for a path {@link #sizeAt} has just checked. */
  private OrMap editChecked(Path path, CrdtType leafType, int dots, PathWalk.Edit edit) {
    List<Path.Segment> segs = path.segments();
    return map.mutate(writer.get(), dots, claim -> PathWalk.castTypedMap(
        PathWalk.descend(map.store(), segs, leafType, edit, claim)));
  }

  /** A write at a path of keys only, checked by the caller. */
  private OrMap write(List<String> keys, CrdtType type, OrMap.LeafMutation mutation) {
    return map.update(writer.get(), keys, type, mutation);
  }
}
