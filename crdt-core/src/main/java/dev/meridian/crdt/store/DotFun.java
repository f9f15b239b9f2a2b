package dev.meridian.crdt.store;

import static dev.meridian.crdt.Preconditions.requireArgument;

import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.Dot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * A map from dots to immutable values: the store of a multi-value register (one entry per
 * concurrent write) and of a counter (one entry per replica). A dot is one event, so both sides of
 * a join that hold a dot hold the same value for it. Join: as {@link DotSet} on the dots, values
 * carried along.
 *
 * @param <V> the value type; values must be immutable
 */
public final class DotFun<V> extends DotStore {
  /* Small linear arrays: registers hold one entry unless written concurrently; counters one per replica. */
  private Dot[] dots;
  private Object[] values;
  private int size;

  /** An empty store. */
  public DotFun() {
    dots = new Dot[1];
    values = new Object[1];
  }

  /** Adds or replaces the value of a dot. */
  public void put(Dot dot, V value) {
    Objects.requireNonNull(value, "value");
    int i = indexOf(dot);
    if (i >= 0) {
      values[i] = value;
      return;
    }
    if (size == dots.length) {
      dots = Arrays.copyOf(dots, size * 2);
      values = Arrays.copyOf(values, size * 2);
    }
    dots[size] = dot;
    values[size] = value;
    size++;
  }

  /**
   * Adds a dot the caller knows is absent (decoders, which check uniqueness themselves): O(1),
   * where {@link #put} scans.
   */
  public void putAbsent(Dot dot, V value) {
    Objects.requireNonNull(value, "value");
    if (size == dots.length) {
      dots = Arrays.copyOf(dots, size * 2);
      values = Arrays.copyOf(values, size * 2);
    }
    dots[size] = dot;
    values[size] = value;
    size++;
  }

  /** The value of a dot, or null. */
  @SuppressWarnings("unchecked")
  public V get(Dot dot) {
    int i = indexOf(dot);
    return i < 0 ? null : (V) values[i];
  }

  /** Removes a dot and its value. */
  public void remove(Dot dot) {
    int i = indexOf(dot);
    if (i >= 0) {
      removeAt(i);
    }
  }

  /** The number of entries. */
  public int size() {
    return size;
  }

  /** The entries, sorted by dot. */
  @SuppressWarnings("unchecked")
  public List<Map.Entry<Dot, V>> entries() {
    List<Map.Entry<Dot, V>> l = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      l.add(Map.entry(dots[i], (V) values[i]));
    }
    l.sort(Map.Entry.comparingByKey(Comparator.naturalOrder()));
    return l;
  }

  /** Visits every entry, in no particular order. */
  @SuppressWarnings("unchecked")
  public void forEach(java.util.function.BiConsumer<Dot, V> visitor) {
    for (int i = 0; i < size; i++) {
      visitor.accept(dots[i], (V) values[i]);
    }
  }

  private int indexOf(Dot dot) {
    for (int i = 0; i < size; i++) {
      if (dots[i].equals(dot)) {
        return i;
      }
    }
    return -1;
  }

  private void removeAt(int i) {
    size--;
    dots[i] = dots[size];
    values[i] = values[size];
    dots[size] = null;
    values[size] = null;
  }

  @Override
  public boolean isEmpty() {
    return size == 0;
  }

  @Override
  public void join(
      CausalContext selfContext,
      DotStore other,
      CausalContext otherContext,
      boolean otherKeyed,
      boolean keepEmpty) {
    requireArgument(other instanceof DotFun, "cannot join a dot function with %s", other.getClass());
    DotFun<?> o = (DotFun<?>) other;
    for (int i = size - 1; i >= 0; i--) {
      if (otherContext.contains(dots[i]) && o.indexOf(dots[i]) < 0) {
        removeAt(i);
      }
    }
    for (int i = 0; i < o.size; i++) {
      if (!selfContext.contains(o.dots[i]) && indexOf(o.dots[i]) < 0) {
        if (size == dots.length) {
          dots = Arrays.copyOf(dots, size * 2);
          values = Arrays.copyOf(values, size * 2);
        }
        dots[size] = o.dots[i];
        values[size] = o.values[i];
        size++;
      }
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public DotFun<V> copyOutside(CausalContext exclude, boolean keepEmpty) {
    DotFun<V> f = new DotFun<>();
    if (exclude == null) {
      f.dots = Arrays.copyOf(dots, Math.max(1, size));
      f.values = Arrays.copyOf(values, Math.max(1, size));
      f.size = size;
      return f;
    }
    for (int i = 0; i < size; i++) {
      if (!exclude.contains(dots[i])) {
        f.put(dots[i], (V) values[i]);
      }
    }
    return f;
  }

  @Override
  public void removeIn(CausalContext context) {
    for (int i = size - 1; i >= 0; i--) {
      if (context.contains(dots[i])) {
        removeAt(i);
      }
    }
  }

  @Override
  public void forEachDot(Consumer<Dot> visitor) {
    for (int i = 0; i < size; i++) {
      visitor.accept(dots[i]);
    }
  }

  @Override
  public DotFun<V> emptyLike() {
    return new DotFun<>();
  }

  @Override
  public DotFun<V> skeleton() {
    return emptyLike();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof DotFun)) {
      return false;
    }
    DotFun<?> f = (DotFun<?>) o;
    if (f.size != size) {
      return false;
    }
    for (int i = 0; i < size; i++) {
      int j = f.indexOf(dots[i]);
      if (j < 0 || !values[i].equals(f.values[j])) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = 0;
    for (int i = 0; i < size; i++) {
      h += dots[i].hashCode() ^ values[i].hashCode();
    }
    return h;
  }

  @Override
  public String toString() {
    return entries().toString();
  }
}
