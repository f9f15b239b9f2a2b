package dev.meridian.crdt.register;

import dev.meridian.crdt.CausalCrdt;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.Dot;
import dev.meridian.crdt.store.DotFun;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A multi-value register: it holds every write that no other write it has seen overwrote.
 *
 * <p>A write replaces all the values its writer has seen. Concurrent writes are all kept; {@link
 * #values()} returns them all and {@link #get()} picks one deterministically: the greatest
 * hybrid-logical-clock timestamp, then the greatest replica id. Every replica that holds the same
 * values picks the same one. A later write (one that has seen them) replaces them all. Merge is the
 * dot-function join: a value survives unless the other side has seen its dot and no longer holds it.
 *
 * @see <a href="https://arxiv.org/abs/1603.01529">Almeida, Shoker, Baquero: Delta State Replicated
 *     Data Types (JPDC 2018), multi-value register</a>
 */
public final class MvRegister extends CausalCrdt<MvRegister, DotFun<RegisterEntry>> {
  /** Orders entries by pick priority, highest first: timestamp, then replica id. */
  public static final Comparator<Map.Entry<Dot, RegisterEntry>> PICK_ORDER =
      Comparator.<Map.Entry<Dot, RegisterEntry>>comparingLong(e -> e.getValue().timestamp())
          .thenComparing(e -> e.getKey().replica())
          .thenComparingLong(e -> e.getKey().counter())
          .reversed();

  /** An empty register. */
  public MvRegister() {
    this(new DotFun<>(), new CausalContext(), false);
  }

  private MvRegister(DotFun<RegisterEntry> store, CausalContext context, boolean keyed) {
    super(store, context, keyed);
  }

  /** A register from decoded parts (codecs and storage); takes ownership of them. */
  public static MvRegister of(DotFun<RegisterEntry> store, CausalContext context, boolean keyed) {
    return new MvRegister(store, context, keyed);
  }

  @Override
  protected MvRegister create(DotFun<RegisterEntry> store, CausalContext context, boolean keyed) {
    return new MvRegister(store, context, keyed);
  }

  /**
   * Writes a scalar as {@code replica}, replacing every value seen; returns the delta.
   *
   * @throws IllegalArgumentException if {@code value} is not a scalar
   */
  public MvRegister set(Replica replica, Object value) {
    Replica.Claim claim = replica.claim(context);
    DotFun<RegisterEntry> delta = setDelta(store, replica, claim.dot(), value, claim.context());
    return applyDelta(claim, delta);
  }

  /** The picked value, empty if the register was never written. A held JSON null is {@code Optional.empty()} too; see {@link #values()}. */
  public Optional<Object> get() {
    return Optional.ofNullable(pick(store)).map(RegisterEntry::value);
  }

  /** Every concurrent value, in pick order (the first is what {@link #get()} returns). */
  public List<Object> values() {
    return values(store);
  }

  /**
   * Building block for composite types: the delta store of writing {@code value} at {@code dot} over
   * {@code current} (may be null). Adds the overwritten dots to {@code deltaContext}. The timestamp
   * is the replica's clock, raised above every overwritten value's so a sequential write always wins
   * the pick even against a writer whose clock ran ahead.
   */
  public static DotFun<RegisterEntry> setDelta(
      DotFun<RegisterEntry> current,
      Replica replica,
      Dot dot,
      Object value,
      CausalContext deltaContext) {
    Object normalized = dev.meridian.crdt.Scalars.normalize(value);
    if (current != null) {
      current.forEach((d, e) -> {
        deltaContext.add(d);
        replica.clock().observe(e.timestamp());
      });
    }
    DotFun<RegisterEntry> delta = new DotFun<>();
    delta.put(dot, new RegisterEntry(normalized, replica.clock().now()));
    return delta;
  }

  /** Building block: the picked entry of a register store (may be null), or null. */
  public static RegisterEntry pick(DotFun<RegisterEntry> store) {
    if (store == null || store.isEmpty()) {
      return null;
    }
    Map.Entry<Dot, RegisterEntry> best = null;
    for (Map.Entry<Dot, RegisterEntry> e : store.entries()) {
      if (best == null || PICK_ORDER.compare(e, best) < 0) {
        best = e;
      }
    }
    return best.getValue();
  }

  /** Building block: the values of a register store in pick order. */
  public static List<Object> values(DotFun<RegisterEntry> store) {
    List<Map.Entry<Dot, RegisterEntry>> entries = new ArrayList<>(store.entries());
    entries.sort(PICK_ORDER);
    List<Object> out = new ArrayList<>(entries.size());
    entries.forEach(e -> out.add(e.getValue().value()));
    return out;
  }
}
