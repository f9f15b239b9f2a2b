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
 * object), never to two diverging copies. This is what lets a delta claim, for its own replica,
 * every dot since that state's previous write by it (see {@link #claim}): those dots were minted for
 * other objects, so the object's context stays one range per replica instead of one per write.
 */
public final class Replica {
  private final ReplicaId id;
  private final AtomicLong counter;
  private final long floor;
  private final HybridClock clock;

  private Replica(ReplicaId id, long lastCounter, HybridClock clock) {
    requireArgument(lastCounter >= 0, "last counter must not be negative: %s", lastCounter);
    this.id = Objects.requireNonNull(id, "id");
    this.counter = new AtomicLong(lastCounter);
    this.floor = lastCounter + 1;
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
   * Mints the next dot and returns the context a delta for an object with context {@code
   * objectContext} must carry for its own replica: the new dot plus every earlier dot of this
   * replica since that object's last one, minted during this run (those went to other objects).
   * The caller adds the dots the mutation observed and removed.
   */
  public Claim claim(CausalContext objectContext) {
    Dot dot = nextDot();
    long from = Math.max(objectContext.max(id) + 1, floor);
    CausalContext context = new CausalContext();
    context.addRange(id, Math.min(from, dot.counter()), dot.counter());
    return new Claim(dot, context, context.copy());
  }

  /**
   * A freshly minted dot and the context its delta starts from.
   *
   * @param dot the new dot
   * @param context the delta's context: starts as {@code events}; the mutator adds the dots it
   *     overwrites or removes
   * @param events the events the delta applies: the new dot and this replica's dots for other
   *     objects since the object's last one (see {@link CausalContext})
   */
  public record Claim(Dot dot, CausalContext context, CausalContext events) {}

  @Override
  public String toString() {
    return "Replica[" + id + ", counter=" + counter.get() + "]";
  }
}
