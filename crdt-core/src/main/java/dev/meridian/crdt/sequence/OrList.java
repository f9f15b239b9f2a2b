package dev.meridian.crdt.sequence;

import static dev.meridian.crdt.Preconditions.requireArgument;

import dev.meridian.crdt.CausalCrdt;
import dev.meridian.crdt.CrdtType;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.doc.Values;
import dev.meridian.crdt.map.TypedKey;
import dev.meridian.crdt.register.MvRegister;
import dev.meridian.crdt.register.RegisterEntry;
import dev.meridian.crdt.store.DotFun;
import dev.meridian.crdt.store.DotMap;
import dev.meridian.crdt.store.DotSeq;
import dev.meridian.crdt.store.DotStore;
import java.util.ArrayList;
import java.util.List;

/**
 * An observed-remove list: a sequence of document values (scalars in registers, maps, sets) where
 * replicas insert, overwrite and remove elements at positions.
 *
 * <p>Element order is the non-interleaving order of {@link Text} (concurrent inserts at one place
 * keep each replica's elements together). Each element holds a value that merges by its own type's
 * rules: concurrent writes of a register element are all kept and one is picked as in {@link
 * MvRegister}; concurrent updates of a map element's fields merge as map updates do. Removing an
 * element removes what the remover saw of it (its presence and its value's dots); an update of its
 * value concurrent with the removal survives, and the element stays in its place holding just that
 * update (the observed-remove rule of maps). Merge is the sequence dot-store join; each element's
 * value joins under the list's shared context.
 *
 * @see DotSeq
 * @see <a href="https://arxiv.org/abs/2305.00583">Weidner, Kleppmann: The Art of the Fugue:
 *     Minimizing Interleaving in Collaborative Text Editing (2023)</a>
 */
public final class OrList extends CausalCrdt<OrList, DotSeq> {
  /** An empty list. */
  public OrList() {
    this(DotSeq.newList(), new CausalContext(), false);
  }

  private OrList(DotSeq store, CausalContext context, boolean keyed) {
    super(store, context, keyed);
  }

  /**
   * A list from decoded parts (codecs and storage); takes ownership of them.
   *
   * @throws IllegalArgumentException if {@code store} is not a list store
   */
  public static OrList of(DotSeq store, CausalContext context, boolean keyed) {
    requireArgument(!store.isText(), "not a list store");
    return new OrList(store, context, keyed);
  }

  @Override
  protected OrList create(DotSeq store, CausalContext context, boolean keyed) {
    return new OrList(store, context, keyed);
  }

  /**
   * Inserts {@code value} before the element at {@code index} (at the end for {@code size()}) as
   * {@code replica}: a scalar as a register, a {@code Map} as a map of its entries, any other
   * {@code Iterable} as a set of scalars. Returns the delta.
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= index <= size()}
   * @throws IllegalArgumentException if {@code value} is none of those
   */
  public OrList insert(Replica replica, int index, Object value) {
    int dots = Values.dotsNeeded(value);
    if (index < 0 || index > store.size()) {
      throw new IndexOutOfBoundsException("index " + index + " out of bounds for size " + store.size());
    }
    Replica.Claim claim = replica.claim(context, 1 + dots);
    long id = claim.dot().counter();
    DotStore content = Values.write(value, new Values.Dots(replica, id + 1));
    DotSeq delta = store.insertDelta(index, replica.id(), id, Values.typeOf(value), content);
    return applyDelta(claim, delta);
  }

  /**
   * Overwrites the register element at {@code index} with a scalar as {@code replica} (concurrent
   * writes are all kept); returns the delta.
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= index < size()}
   * @throws IllegalArgumentException if the element is not a register or {@code value} not a scalar
   */
  public OrList set(Replica replica, int index, Object value) {
    DotSeq.Element e = store.element(index);
    requireArgument(e.type() == CrdtType.REGISTER, "element %s is a %s, not a register", index,
        e.type().label());
    Replica.Claim claim = replica.claim(context);
    DotFun<RegisterEntry> v = MvRegister.setDelta(
        cast(e.value()), replica, claim.dot(), value, claim.context());
    return applyDelta(claim, store.updateDelta(index, v));
  }

  /**
   * Writes a scalar into the field {@code key} of the map element at {@code index} as {@code
   * replica}; returns the delta.
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= index < size()}
   * @throws IllegalArgumentException if the element is not a map or {@code value} not a scalar
   */
  public OrList setField(Replica replica, int index, String key, Object value) {
    DotSeq.Element e = store.element(index);
    requireArgument(e.type() == CrdtType.MAP, "element %s is a %s, not a map", index,
        e.type().label());
    DotMap<TypedKey> map = castMap(e.value());
    TypedKey k = new TypedKey(key, CrdtType.REGISTER);
    for (CrdtType t : CrdtType.values()) {
      DotStore other = map.get(new TypedKey(key, t));
      requireArgument(t == CrdtType.REGISTER || other == null || !other.isVisible(),
          "field '%s' holds a %s", key, t.label());
    }
    Replica.Claim claim = replica.claim(context);
    DotMap<TypedKey> delta = new DotMap<>();
    delta.put(k, MvRegister.setDelta(cast(map.get(k)), replica, claim.dot(), value, claim.context()));
    return applyDelta(claim, store.updateDelta(index, delta));
  }

  /**
   * Removes the {@code count} elements from {@code index} as {@code replica} (what it has seen of
   * them); returns the delta.
   *
   * @throws IllegalArgumentException unless the range lies within the list
   */
  public OrList delete(Replica replica, int index, int count) {
    requireArgument(index >= 0 && count >= 0 && (long) index + count <= store.size(),
        "cannot delete %s elements at %s of %s", count, index, store.size());
    Replica.Claim claim = replica.claim(context);
    return applyDelta(claim, store.removeDelta(index, count, claim.context()));
  }

  /** The number of elements. */
  public int size() {
    return (int) store.size();
  }

  /** The JSON-like value of the element at {@code index} (see {@link Values#render}). */
  public Object get(int index) {
    DotSeq.Element e = store.element(index);
    return Values.render(e.type(), e.value());
  }

  /** The JSON-like values of the elements, in order. */
  public List<Object> value() {
    List<Object> out = new ArrayList<>();
    for (DotSeq.Element e : store.elements()) {
      out.add(Values.render(e.type(), e.value()));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static DotFun<RegisterEntry> cast(DotStore s) {
    return (DotFun<RegisterEntry>) s;
  }

  @SuppressWarnings("unchecked")
  private static DotMap<TypedKey> castMap(DotStore s) {
    return (DotMap<TypedKey>) s;
  }
}
