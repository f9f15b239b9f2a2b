package dev.meridian.crdt.store;

import static dev.meridian.crdt.Preconditions.requireArgument;

import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.Dot;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.function.Consumer;

/**
 * A set of dots: the store of an enable-wins flag and of each element of an add-wins set. Join:
 * {@code (s ∩ s') ∪ (s \ c') ∪ (s' \ c)}.
 */
public final class DotSet extends DotStore {
  /* Small linear array: a set element or flag usually holds one dot, rarely more than a few. */
  private Dot[] dots;
  private int size;

  /** An empty dot set. */
  public DotSet() {
    dots = new Dot[1];
  }

  /** A dot set holding the given dots. */
  public static DotSet of(Dot... dots) {
    DotSet s = new DotSet();
    for (Dot d : dots) {
      s.add(d);
    }
    return s;
  }

  /** True if the dot is held. */
  public boolean contains(Dot dot) {
    return indexOf(dot) >= 0;
  }

  /** Adds a dot. */
  public void add(Dot dot) {
    if (indexOf(dot) >= 0) {
      return;
    }
    if (size == dots.length) {
      dots = Arrays.copyOf(dots, size * 2);
    }
    dots[size++] = dot;
  }

  /**
   * Adds a dot the caller knows is not held (decoders, which check uniqueness themselves): O(1),
   * where {@link #add} scans.
   */
  public void addAbsent(Dot dot) {
    if (size == dots.length) {
      dots = Arrays.copyOf(dots, size * 2);
    }
    dots[size++] = dot;
  }

  /** The number of dots held. */
  public int size() {
    return size;
  }

  /** The dots held, sorted. */
  public List<Dot> dots() {
    List<Dot> l = new ArrayList<>(Arrays.asList(dots).subList(0, size));
    Collections.sort(l);
    return l;
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
    dots[i] = dots[--size];
    dots[size] = null;
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
    requireArgument(other instanceof DotSet, "cannot join a dot set with %s", other.getClass());
    DotSet o = (DotSet) other;
    for (int i = size - 1; i >= 0; i--) {
      if (otherContext.contains(dots[i]) && !o.contains(dots[i])) {
        removeAt(i);
      }
    }
    for (int i = 0; i < o.size; i++) {
      if (!selfContext.contains(o.dots[i])) {
        add(o.dots[i]);
      }
    }
  }

  @Override
  public DotSet copyOutside(CausalContext exclude, boolean keepEmpty) {
    DotSet s = new DotSet();
    for (int i = 0; i < size; i++) {
      if (exclude == null || !exclude.contains(dots[i])) {
        s.add(dots[i]);
      }
    }
    return s;
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
  public DotSet emptyLike() {
    return new DotSet();
  }

  @Override
  public DotSet skeleton() {
    return emptyLike();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof DotSet s)) {
      return false;
    }
    
    if (s.size != size) {
      return false;
    }
    for (int i = 0; i < size; i++) {
      if (!s.contains(dots[i])) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    int h = 0;
    for (int i = 0; i < size; i++) {
      h += dots[i].hashCode();
    }
    return h;
  }

  @Override
  public String toString() {
    return dots().toString();
  }
}
