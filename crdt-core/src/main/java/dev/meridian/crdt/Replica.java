package dev.meridian.crdt;

import static dev.meridian.crdt.Preconditions.requireArgument;

import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.Dot;
import dev.meridian.crdt.clock.HybridClock;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The writer side of one replica: its id, its single dot counter shared by all its documents, and
 * its hybrid logical clock. Every mutator takes the {@code Replica} that performs it.
 *
 * <p>Thread-safe for minting; the states it mutates are not.
 *
 * <p><b>Rule:</b> a replica applies its mutations of one object to one state (its replica of that
 * object), never to two diverging copies, like any CRDT replica. Documents handed out for reading
 * are unbound copies ({@link dev.meridian.crdt.doc.Document#copy()}), which cannot be written.
 */
public final class Replica {
  private final ReplicaId id;
  private final AtomicLong counter;
  private final HybridClock clock;

  private Replica(ReplicaId id, long lastCounter, HybridClock clock) {
    requireArgument(lastCounter >= 0, "last counter must not be negative: %s", lastCounter);
    this.id = Objects.requireNonNull(id, "id");
    this.counter = new AtomicLong(lastCounter);
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** A fresh replica with a random id, counter at 0 and the system clock. */
  public static Replica random() {
    return new Replica(ReplicaId.random(), 0, new HybridClock());
  }

  /**
   * A replica that resumes after {@code lastCounter}: the next dot is {@code lastCounter + 1}.
   * Storage passes the highest counter it may ever have handed out (persisted before use), so no
   * dot is minted twice across restarts.
   */
  public static Replica resume(ReplicaId id, long lastCounter, HybridClock clock) {
    return new Replica(id, lastCounter, clock);
  }

  /** This replica's id. */
  public ReplicaId id() {
    return id;
  }

  /** This replica's hybrid logical clock. */
  public HybridClock clock() {
    return clock;
  }

  /** The last counter minted (0 if none). */
  public long lastCounter() {
    return counter.get();
  }

  /** Mints the next dot. */
  public Dot nextDot() {
    return new Dot(id, counter.incrementAndGet());
  }

  /**
   * Mints the next dot for a change to an object whose context is {@code objectContext}, and
   * returns it with the context its delta starts from (just the new dot; the mutator adds the dots
   * it overwrites or removes).
   *
   * @throws IllegalStateException if the object has already seen the new dot: this replica's
   *     counter went backwards (a resumed counter below what it had issued, or a cloned data
   *     directory), and writing on would make other replicas drop the write
   */
  public Claim claim(CausalContext objectContext) {
    Dot dot = nextDot();
    Preconditions.requireState(
        !objectContext.contains(dot),
        "replica %s is minting dot %s, which the object has already seen: its counter went backwards",
        id,
        dot);
    CausalContext context = CausalContext.of(dot);
    return new Claim(dot, context, CausalContext.of(dot));
  }

  /**
   * A freshly minted dot and the context its delta starts from.
   *
   * @param dot the new dot
   * @param context the delta's context: starts as {@code events}; the mutator adds the dots it
   *     overwrites or removes
   * @param events the events the delta applies: the new dot
   */
  public record Claim(Dot dot, CausalContext context, CausalContext events) {}

  @Override
  public String toString() {
    return "Replica[" + id + ", counter=" + counter.get() + "]";
  }
}
