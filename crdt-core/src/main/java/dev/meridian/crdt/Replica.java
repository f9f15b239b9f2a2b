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
  /** The dots minted through this view (null for a replica that records nothing). */
  private final CausalContext minted;

  private Replica(ReplicaId id, long lastCounter, HybridClock clock) {
    requireArgument(lastCounter >= 0, "last counter must not be negative: %s", lastCounter);
    this.id = Objects.requireNonNull(id, "id");
    this.counter = new AtomicLong(lastCounter);
    this.clock = Objects.requireNonNull(clock, "clock");
    this.minted = null;
  }

  private Replica(Replica base) {
    this.id = base.id;
    this.counter = base.counter;
    this.clock = base.clock;
    this.minted = new CausalContext();
  }

  /**
   * A view of this replica for one write: it mints from the same counter and clock and records the
   * dots minted through it ({@link #mintedHere()}), so a store knows exactly which dots a mutation
   * minted while other threads mint for other documents. Not thread-safe: one writer at a time.
   */
  public Replica recording() {
    return new Replica(this);
  }

  /**
   * The dots minted through this view (a copy).
   *
   * @throws IllegalStateException unless this is a {@link #recording()} view
   */
  public CausalContext mintedHere() {
    Preconditions.requireState(minted != null, "replica %s records nothing: not a recording view",
        id);
    return minted.copy();
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
    long c = counter.incrementAndGet();
    if (minted != null) {
      minted.addRange(id, c, c);
    }
    return new Dot(id, c);
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
    return claim(objectContext, 1);
  }

  /**
   * Like {@link #claim(CausalContext)}, but mints {@code count} consecutive dots at once (an
   * insert of several sequence elements, or a list element with its fields, is one event with one
   * dot per element or field). {@link Claim#dot()} is the first of them.
   *
   * @throws IllegalArgumentException unless {@code count >= 1}
   */
  public Claim claim(CausalContext objectContext, int count) {
    Counters c = claimCounters(objectContext, count);
    CausalContext context = new CausalContext();
    context.addRange(id, c.first(), c.last());
    CausalContext events = new CausalContext();
    events.addRange(id, c.first(), c.last());
    return new Claim(new Dot(id, c.first()), count, context, events);
  }

  /**
   * The counters of a claim without building contexts, for types whose local edits are hot paths
   * (text): mints {@code count} consecutive dots {@code first..last}, the events of the delta.
   *
   * @throws IllegalArgumentException unless {@code count >= 1}
   * @throws IllegalStateException if the object has already seen one of the new dots (see {@link
   *     #claim(CausalContext)})
   */
  public Counters claimCounters(CausalContext objectContext, int count) {
    requireArgument(count >= 1, "must claim at least one dot: %s", count);
    long last = counter.addAndGet(count);
    long first = last - count + 1;
    if (minted != null) {
      minted.addRange(id, first, last);
    }
    if (objectContext.containsAny(id, first, last)) {
      Preconditions.requireState(false,
          "replica %s is minting dots %s..%s, which the object has already seen: its counter went"
              + " backwards", id, first, last);
    }
    return new Counters(first, last);
  }

  /**
   * The counters of a claim: this replica's dots {@code first..last}, just minted.
   *
   * @param first the first counter minted
   * @param last the last counter minted
   */
  public record Counters(long first, long last) {}

  /**
   * A freshly minted dot and the context its delta starts from.
   *
   * @param dot the new dot (the first, if several were minted)
   * @param count how many consecutive dots were minted, from {@code dot} on
   * @param context the delta's context: starts as {@code events}; the mutator adds the dots it
   *     overwrites or removes
   * @param events the events the delta applies: the new dot
   */
  public record Claim(Dot dot, int count, CausalContext context, CausalContext events) {
    /** A claim of one dot. */
    public Claim(Dot dot, CausalContext context, CausalContext events) {
      this(dot, 1, context, events);
    }

    /** The counter of the last dot minted by this claim. */
    public long lastCounter() {
      return dot.counter() + count - 1;
    }
  }

  @Override
  public String toString() {
    return "Replica[" + id + ", counter=" + counter.get() + "]";
  }
}
