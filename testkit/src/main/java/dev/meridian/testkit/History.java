package dev.meridian.testkit;

import dev.meridian.crdt.DeltaCrdt;
import dev.meridian.crdt.Replica;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * A random history of a few replicas of one object, made from a {@link HistoryPlan}: the states the
 * laws are checked on. Each step is one of: a replica applies a random op to its state; a replica
 * joins another's full state; a replica joins another's {@code deltaSince} its context; a replica
 * joins a group of one to three deltas from anywhere (in any causal order); a replica's state is
 * snapshotted (a stale state for later). Every mutation is checked against {@link
 * CrdtLaws#mutatorReturnsItsDelta} as it happens, and a refused op must leave the state unchanged.
 *
 * <p>The same plan always makes the same history. The states returned are live: copy before
 * changing them.
 *
 * @param <T> the CRDT type
 */
public final class History<T extends DeltaCrdt<T>> {
  private static final int MAX_LOG = 120;

  private final CrdtSpec<T> spec;
  private final HistoryPlan plan;
  private final Random random;
  private final List<Replica> replicas;
  private final List<T> states = new ArrayList<>();
  private final List<BitSet> seen = new ArrayList<>();
  private final List<T> deltas = new ArrayList<>();
  private final List<T> snapshots = new ArrayList<>();
  private final List<T> groups = new ArrayList<>();
  private final List<String> log = new ArrayList<>();
  private long now;

  private History(CrdtSpec<T> spec, HistoryPlan plan) {
    this.spec = spec;
    this.plan = plan;
    this.random = new Random(plan.seed());
    this.replicas = SimulatedReplicas.create(random, plan.replicas(), () -> now);
    for (Replica r : replicas) {
      states.add(spec.newState(r));
      seen.add(new BitSet());
    }
  }

  /**
   * Makes the history of {@code plan}.
   *
   * @throws AssertionError if a mutation breaks the mutator law, a refused op changed the state,
   *     or a step threw; the message holds the history so far
   */
  public static <T extends DeltaCrdt<T>> History<T> generate(CrdtSpec<T> spec, HistoryPlan plan) {
    History<T> h = new History<>(spec, plan);
    for (int step = 1; step <= plan.steps(); step++) {
      h.now += 1 + h.random.nextInt(3);
      try {
        h.step(step);
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + h.describe(), e);
      } catch (RuntimeException e) {
        throw new AssertionError("step " + step + " threw " + e + "\n" + h.describe(), e);
      }
    }
    return h;
  }

  private void step(int step) {
    int n = states.size();
    int r = random.nextInt(n);
    int roll = random.nextInt(100);
    if (n == 1) {
      roll = roll < 85 ? 0 : 99;
    }
    if (roll < 55) {
      mutate(step, r);
    } else if (roll < 65) {
      int s = other(r, n);
      states.get(r).join(states.get(s));
      seen.get(r).or(seen.get(s));
      log(step, "r" + r + " ⊔= r" + s + " (full state)");
    } else if (roll < 75) {
      int s = other(r, n);
      T delta = states.get(s).deltaSince(states.get(r).context());
      states.get(r).join(delta);
      seen.get(r).or(seen.get(s));
      log(step, "r" + r + " ⊔= r" + s + ".deltaSince(r" + r + ".context())");
    } else if (roll < 88) {
      if (deltas.isEmpty()) {
        log(step, "r" + r + " idle (no delta to deliver yet)");
        return;
      }
      int size = 1 + random.nextInt(3);
      StringBuilder names = new StringBuilder();
      T group = null;
      for (int k = 0; k < size; k++) {
        int d = random.nextInt(deltas.size());
        if (group == null) {
          group = deltas.get(d).copy();
        } else {
          group.join(deltas.get(d));
        }
        seen.get(r).set(d);
        names.append(k == 0 ? "" : " ⊔ ").append('d').append(d);
      }
      states.get(r).join(group);
      if (groups.size() < 6) {
        groups.add(group);
      }
      log(step, "r" + r + " ⊔= (" + names + ")");
    } else {
      snapshots.add(states.get(r).copy());
      log(step, "s" + (snapshots.size() - 1) + " := snapshot of r" + r);
    }
  }

  private int other(int r, int n) {
    int s = random.nextInt(n - 1);
    return s >= r ? s + 1 : s;
  }

  private void mutate(int step, int r) {
    Op<T> op = spec.ops().next(random);
    T state = states.get(r);
    T before = state.copy();
    T delta = op.apply(state, replicas.get(r));
    if (delta == null) {
      log(step, "r" + r + " " + op.description() + " (refused)");
      if (!before.equals(state)) {
        throw new AssertionError("refused op " + op.description() + " changed the state\n  before = "
            + spec.show(before) + "\n  after  = " + spec.show(state) + "\n");
      }
      return;
    }
    log(step, "r" + r + " " + op.description() + " -> d" + deltas.size());
    CrdtLaws.mutatorReturnsItsDelta(spec, before, op, delta, state);
    deltas.add(delta);
    seen.get(r).set(deltas.size() - 1);
  }

  private void log(int step, String line) {
    log.add(step + ". " + line);
  }

  /** The plan this history was made from. */
  public HistoryPlan plan() {
    return plan;
  }

  /** The random source, positioned after the history: draw further choices from it. */
  public Random random() {
    return random;
  }

  /** Each replica's final state (live). */
  public List<T> replicaStates() {
    return Collections.unmodifiableList(states);
  }

  /** Every delta returned by a mutator, in order (live; {@code dN} in the log). */
  public List<T> deltas() {
    return Collections.unmodifiableList(deltas);
  }

  /** Copies of replica states taken along the way ({@code sN} in the log). */
  public List<T> snapshots() {
    return Collections.unmodifiableList(snapshots);
  }

  /** The deltas that replica {@code r}'s state has seen, directly or through other replicas. */
  public List<T> deltasSeenBy(int r) {
    List<T> out = new ArrayList<>();
    seen.get(r).stream().forEach(i -> out.add(deltas.get(i)));
    return out;
  }

  /** Replica states, snapshots and a bottom state: the full states of this history. */
  public List<T> fullStates() {
    List<T> out = new ArrayList<>(states);
    out.addAll(snapshots);
    out.add(spec.bottom());
    return out;
  }

  /** Full states, deltas and groups of deltas: everything the lattice laws apply to. */
  public List<T> pool() {
    List<T> out = fullStates();
    out.addAll(deltas);
    out.addAll(groups);
    return out;
  }

  /** The history's log, for failure reports. */
  public String describe() {
    StringBuilder sb = new StringBuilder("history (").append(plan).append("):\n");
    int from = Math.max(0, log.size() - MAX_LOG);
    if (from > 0) {
      sb.append("  ... ").append(from).append(" earlier steps\n");
    }
    for (int i = from; i < log.size(); i++) {
      sb.append("  ").append(log.get(i)).append('\n');
    }
    return sb.toString();
  }
}
