package dev.meridian.crdt.set;

import dev.meridian.crdt.CausalCrdt;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.Scalars;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.Dot;
import dev.meridian.crdt.store.DotMap;
import dev.meridian.crdt.store.DotSet;
import dev.meridian.crdt.store.DotStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * An add-wins set of scalars (an observed-remove set without tombstones).
 *
 * <p>Adding an element tags it with a fresh dot; removing it drops the dots the remover has seen.
 * An add concurrent with a remove survives, because the remover had not seen its dot: add wins.
 * Merge is the dot-map join, element by element.
 *
 * @see <a href="https://arxiv.org/abs/1603.01529">Almeida, Shoker, Baquero: Delta State Replicated
 *     Data Types (JPDC 2018), add-wins set</a>
 */
public final class AwSet extends CausalCrdt<AwSet, DotMap<Object>> {
  /** An empty set. */
  public AwSet() {
    this(new DotMap<>(), new CausalContext(), false);
  }

  private AwSet(DotMap<Object> store, CausalContext context, boolean keyed) {
    super(store, context, keyed);
  }

  /** A set from decoded parts (codecs and storage); takes ownership of them. */
  public static AwSet of(DotMap<Object> store, CausalContext context, boolean keyed) {
    return new AwSet(store, context, keyed);
  }

  @Override
  protected AwSet create(DotMap<Object> store, CausalContext context, boolean keyed) {
    return new AwSet(store, context, keyed);
  }

  /**
   * Adds a scalar as {@code replica}; returns the delta.
   *
   * @throws IllegalArgumentException if {@code element} is not a scalar
   */
  public AwSet add(Replica replica, Object element) {
    Object e = Scalars.normalize(element);
    Replica.Claim claim = replica.claim(context);
    return applyDelta(claim, addDelta(store, e, claim.dot(), claim.context()));
  }

  /** Removes an element as {@code replica} (the adds it has seen); returns the delta. */
  public AwSet remove(Replica replica, Object element) {
    Object e = Scalars.normalize(element);
    Replica.Claim claim = replica.claim(context);
    return applyDelta(claim, removeDelta(store, e, claim.context()));
  }

  /** True if the element is present. */
  public boolean contains(Object element) {
    DotStore s = store.get(Scalars.normalize(element));
    return s != null && !s.isEmpty();
  }

  /** The elements present, in {@link Scalars#ORDER}. */
  public List<Object> elements() {
    return elements(store);
  }

  /** Building block for composite types: the delta store of adding {@code element} at {@code dot}. */
  public static DotMap<Object> addDelta(
      DotMap<Object> current, Object element, Dot dot, CausalContext deltaContext) {
    collect(current, element, deltaContext);
    DotMap<Object> delta = new DotMap<>();
    delta.put(element, DotSet.of(dot));
    return delta;
  }

  /** Building block: the delta store of removing {@code element} (a keyed delta: it names the element). */
  public static DotMap<Object> removeDelta(
      DotMap<Object> current, Object element, CausalContext deltaContext) {
    collect(current, element, deltaContext);
    DotMap<Object> delta = new DotMap<>();
    delta.put(element, new DotSet());
    return delta;
  }

  /** Building block: the elements of a set store (may be null), sorted. */
  public static List<Object> elements(DotMap<Object> store) {
    List<Object> out = new ArrayList<>();
    if (store != null) {
      for (Map.Entry<Object, DotStore> e : store.entrySet()) {
        if (!e.getValue().isEmpty()) {
          out.add(e.getKey());
        }
      }
    }
    out.sort(Scalars.ORDER);
    return out;
  }

  private static void collect(DotMap<Object> current, Object element, CausalContext into) {
    if (current != null) {
      DotStore s = current.get(element);
      if (s != null) {
        s.collectDots(into);
      }
    }
  }
}
