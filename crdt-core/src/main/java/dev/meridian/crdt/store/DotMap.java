package dev.meridian.crdt.store;

import static dev.meridian.crdt.Preconditions.requireArgument;

import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.Dot;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A map from keys to nested dot stores, all sharing the enclosing state's causal context: the store
 * of an add-wins set (element to dot set) and of an observed-remove map (typed key to the value's
 * store). Join: key-wise join of the nested stores under the shared contexts; keys whose store ends
 * up empty are dropped.
 *
 * @param <K> the key type; keys must be immutable
 */
public final class DotMap<K> extends DotStore {
  private final HashMap<K, DotStore> entries;

  /** An empty map. */
  public DotMap() {
    entries = new HashMap<>();
  }

  private DotMap(int expected) {
    entries = new HashMap<>(Math.max(2, (int) (expected / 0.75f) + 1));
  }

  /** A map of one entry (a delta's step down a path), sized for it. */
  public static <K> DotMap<K> of(K key, DotStore store) {
    DotMap<K> m = new DotMap<>(1);
    m.entries.put(key, store);
    return m;
  }

  /** The store under {@code key}, or null. The returned store is live: do not mutate it. */
  public DotStore get(K key) {
    return entries.get(key);
  }

  /** Puts a store under a key (used to build deltas and by decoders). */
  public void put(K key, DotStore store) {
    entries.put(key, store);
  }

  /** Removes a key. */
  public void remove(K key) {
    entries.remove(key);
  }

  /** The keys present (including keys with empty stores in a keyed delta). Unmodifiable view. */
  public Set<K> keySet() {
    return Collections.unmodifiableSet(entries.keySet());
  }

  /** The entries. Unmodifiable view; the stores are live. */
  public Set<Map.Entry<K, DotStore>> entrySet() {
    return Collections.unmodifiableMap(entries).entrySet();
  }

  /** The number of keys present. */
  public int size() {
    return entries.size();
  }

  @Override
  public boolean isEmpty() {
    for (DotStore s : entries.values()) {
      if (!s.isEmpty()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean isVisible() {
    for (DotStore s : entries.values()) {
      if (s.isVisible()) {
        return true;
      }
    }
    return false;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void join(
      CausalContext selfContext,
      DotStore other,
      CausalContext otherContext,
      boolean otherKeyed,
      boolean keepEmpty) {
    requireArgument(other instanceof DotMap, "cannot join a dot map with %s", other.getClass());
    DotMap<K> o = (DotMap<K>) other;
    if (!otherKeyed) {
      // Keys only here: their dots seen by the other side and absent there were removed there.
      Iterator<Map.Entry<K, DotStore>> it = entries.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<K, DotStore> e = it.next();
        if (!o.entries.containsKey(e.getKey())) {
          e.getValue().removeIn(otherContext);
          if (e.getValue().isEmpty() && !keepEmpty) {
            it.remove();
          }
        }
      }
    }
    for (Map.Entry<K, DotStore> e : o.entries.entrySet()) {
      DotStore mine = entries.get(e.getKey());
      if (mine == null) {
        DotStore theirs = e.getValue().copyOutside(selfContext, keepEmpty);
        if (keepEmpty || !theirs.isEmpty()) {
          entries.put(e.getKey(), theirs);
        }
      } else {
        mine.join(selfContext, e.getValue(), otherContext, otherKeyed, keepEmpty);
        if (!keepEmpty && mine.isEmpty()) {
          entries.remove(e.getKey());
        }
      }
    }
  }

  @Override
  public DotMap<K> copyOutside(CausalContext exclude, boolean keepEmpty) {
    DotMap<K> m = new DotMap<>(entries.size());
    for (Map.Entry<K, DotStore> e : entries.entrySet()) {
      DotStore s = e.getValue().copyOutside(exclude, keepEmpty);
      if (keepEmpty || !s.isEmpty()) {
        m.entries.put(e.getKey(), s);
      }
    }
    return m;
  }

  @Override
  public void removeIn(CausalContext context) {
    Iterator<DotStore> it = entries.values().iterator();
    while (it.hasNext()) {
      DotStore s = it.next();
      s.removeIn(context);
      if (s.isEmpty()) {
        it.remove();
      }
    }
  }

  @Override
  public void forEachDot(Consumer<Dot> visitor) {
    for (DotStore s : entries.values()) {
      s.forEachDot(visitor);
    }
  }

  @Override
  public void forEachDotRange(CausalContext.RangeVisitor visitor) {
    for (DotStore s : entries.values()) {
      s.forEachDotRange(visitor);
    }
  }

  @Override
  public void forEachReplica(Consumer<dev.meridian.crdt.ReplicaId> visitor) {
    for (DotStore s : entries.values()) {
      s.forEachReplica(visitor);
    }
  }

  @Override
  public DotMap<K> emptyLike() {
    return new DotMap<>();
  }

  @Override
  public DotMap<K> skeleton() {
    DotMap<K> m = new DotMap<>(entries.size());
    entries.forEach((k, v) -> m.entries.put(k, v.skeleton()));
    return m;
  }

  /** Drops entries whose store is empty (turns a keyed delta into a plain state), recursively. */
  public void dropEmpty() {
    Iterator<DotStore> it = entries.values().iterator();
    while (it.hasNext()) {
      DotStore s = it.next();
      if (s instanceof DotMap) {
        ((DotMap<?>) s).dropEmpty();
      } else if (s instanceof DotSeq dotSeq) {
        dotSeq.dropEmpty();
      }
      if (s.isEmpty()) {
        it.remove();
      }
    }
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof DotMap && ((DotMap<?>) o).entries.equals(entries);
  }

  @Override
  public int hashCode() {
    return entries.hashCode();
  }

  @Override
  public String toString() {
    ArrayList<String> parts = new ArrayList<>();
    entries.forEach((k, v) -> parts.add(k + "=" + v));
    Collections.sort(parts);
    return parts.toString();
  }
}
