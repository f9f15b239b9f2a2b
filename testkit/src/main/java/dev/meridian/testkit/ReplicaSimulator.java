package dev.meridian.testkit;

import dev.meridian.crdt.DeltaCrdt;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.clock.CausalContext;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * A seeded simulation of 2 to 8 replicas that mutate their states at random and exchange deltas
 * over an unreliable network, then must converge.
 *
 * <p>Each replica owns one {@link Replica} (one dot counter, a skewed hybrid clock) and one state
 * per object. Each tick usually one replica applies a random op to one of its objects and sends the
 * delta to every other replica; sometimes a replica pulls {@code deltaSince} its context from a
 * peer, receives a peer's full state, or restarts (its {@code Replica} resumes past its last
 * counter, its states are reloaded through the codec if there is one). The network drops,
 * duplicates, delays and so reorders every message as the {@link SimulationPlan} says; with a codec
 * every message travels as bytes. At the end everything in flight is delivered, then anti-entropy
 * repairs what was dropped: every replica joins every other's {@code deltaSince} its context until a
 * round changes nothing.
 *
 * <p>Checked: if no delta was dropped, the replicas are equal before any repair; after repair all
 * replicas hold equal states of each object, equal to the join of every delta ever made for it, and
 * the spec's {@link CrdtSpec.ConvergedCheck} accepts them. A failure throws {@link AssertionError}
 * with the seed, a trace of the last events, and the call that replays the run: {@link #replay}.
 *
 * @param <T> the CRDT type
 */
public final class ReplicaSimulator<T extends DeltaCrdt<T>> {
  /* Design notes.
   * [1] Every random choice comes from one java.util.Random seeded by the plan, and simulated time
   *     drives the hybrid clocks, so a plan replays bit for bit.
   * [2] Without a codec, one delta object is handed to every receiver and kept for the final check,
   *     so a join that changed its argument shows up as divergence.
   * [3] Cf. diamond-types src/list/oplog_merge_fuzzer.rs (seeded, prints its seed) and riak_dt
   *     eqc/crdt_statem_eqc.erl prop_converge.
   */
  private static final int MAX_TRACE = 150;

  private enum Kind {
    DELTA,
    DELTA_SINCE,
    STATE
  }

  private record Message(
      long deliverAt, long tiebreak, int from, int to, int object, Kind kind, String label,
      Object payload) {}

  private final CrdtSpec<T> spec;
  private final SimulationPlan plan;
  private final Random random;
  private final List<Replica> replicas;
  private final List<List<T>> states = new ArrayList<>();
  private final List<List<T>> deltas = new ArrayList<>();
  private final List<List<Op<T>>> applied = new ArrayList<>();
  private final PriorityQueue<Message> network =
      new PriorityQueue<>(Comparator.comparingLong(Message::deliverAt)
          .thenComparingLong(Message::tiebreak));
  private final Deque<String> trace = new ArrayDeque<>();
  private long now;
  private int mutations;
  private int refused;
  private int sent;
  private int dropped;
  private int droppedDeltas;
  private int duplicated;
  private int delayed;
  private int delivered;
  private int pulls;
  private int pushes;
  private int restarts;

  private ReplicaSimulator(CrdtSpec<T> spec, SimulationPlan plan) {
    this.spec = spec;
    this.plan = plan;
    this.random = new Random(plan.seed());
    this.replicas = new ArrayList<>(SimulatedReplicas.create(random, plan.replicas(), () -> now));
    for (Replica r : replicas) {
      List<T> objects = new ArrayList<>();
      for (int o = 0; o < plan.objects(); o++) {
        objects.add(spec.newState(r));
      }
      states.add(objects);
    }
    for (int o = 0; o < plan.objects(); o++) {
      deltas.add(new ArrayList<>());
      applied.add(new ArrayList<>());
    }
  }

  /**
   * Runs the simulation of {@code plan} and checks convergence.
   *
   * @throws AssertionError if the replicas do not converge, or anything else goes wrong; the message
   *     holds the seed and the call that replays the run
   */
  public static <T extends DeltaCrdt<T>> SimulationResult run(CrdtSpec<T> spec, SimulationPlan plan) {
    ReplicaSimulator<T> sim = new ReplicaSimulator<>(spec, plan);
    try {
      return sim.simulate();
    } catch (AssertionError | RuntimeException e) {
      throw sim.failure(e);
    }
  }

  /** Replays a run from the plan text a failure printed. */
  public static <T extends DeltaCrdt<T>> SimulationResult replay(CrdtSpec<T> spec, String plan) {
    return run(spec, SimulationPlan.parse(plan));
  }

  private SimulationResult simulate() {
    for (int tick = 1; tick <= plan.ops(); tick++) {
      now++;
      int roll = random.nextInt(100);
      int r = random.nextInt(replicas.size());
      int o = random.nextInt(plan.objects());
      if (roll < 70) {
        mutate(r, o);
      } else if (roll < 80) {
        int s = other(r);
        pulls++;
        T delta = states.get(s).get(o).deltaSince(states.get(r).get(o).context());
        send(s, r, o, Kind.DELTA_SINCE, "r" + s + ".deltaSince(r" + r + ")", delta);
      } else if (roll < 85) {
        int s = other(r);
        pushes++;
        send(s, r, o, Kind.STATE, "state of r" + s, states.get(s).get(o).copy());
      } else if (roll < 88) {
        restart(r);
      }
      deliverDue();
    }
    while (!network.isEmpty()) {
      now++;
      deliverDue();
    }
    boolean convergedBeforeRepair = allEqual();
    if (droppedDeltas == 0 && !convergedBeforeRepair) {
      throw new AssertionError(
          "every delta reached every replica, yet the replicas differ\n" + differences());
    }
    int rounds = repair();
    for (int o = 0; o < plan.objects(); o++) {
      checkObject(o);
    }
    return new SimulationResult(mutations, refused, sent, dropped, duplicated, delayed, delivered,
        pulls, pushes, restarts, rounds, convergedBeforeRepair);
  }

  private int other(int r) {
    int s = random.nextInt(replicas.size() - 1);
    return s >= r ? s + 1 : s;
  }

  private void mutate(int r, int o) {
    Op<T> op = spec.ops().next(random);
    T state = states.get(r).get(o);
    T delta = op.apply(state, replicas.get(r));
    if (delta == null) {
      refused++;
      trace("r" + r + " o" + o + " " + op.description() + " (refused)");
      return;
    }
    mutations++;
    int id = deltas.get(o).size();
    deltas.get(o).add(delta);
    applied.get(o).add(op);
    trace("r" + r + " o" + o + " " + op.description() + " -> d" + id);
    for (int s = 0; s < replicas.size(); s++) {
      if (s != r) {
        send(r, s, o, Kind.DELTA, "d" + id, delta);
      }
    }
  }

  private void restart(int r) {
    restarts++;
    Replica old = replicas.get(r);
    long last = old.lastCounter() + random.nextInt(3);
    Replica fresh = Replica.resume(old.id(), last, old.clock());
    replicas.set(r, fresh);
    for (int o = 0; o < plan.objects(); o++) {
      T reloaded = spec.newState(fresh);
      reloaded.join(transfer(states.get(r).get(o)));
      states.get(r).set(o, reloaded);
    }
    trace("r" + r + " restarts, resuming after counter " + last);
  }

  private void send(int from, int to, int object, Kind kind, String label, T payload) {
    sent++;
    if (random.nextInt(100) < plan.dropPercent()) {
      dropped++;
      if (kind == Kind.DELTA) {
        droppedDeltas++;
      }
      trace("r" + from + " -> r" + to + " o" + object + " " + label + " DROPPED");
      return;
    }
    Object wire = spec.codec().isPresent() ? spec.codec().get().encode(payload) : payload;
    int copies = random.nextInt(100) < plan.duplicatePercent() ? 2 : 1;
    duplicated += copies - 1;
    for (int c = 0; c < copies; c++) {
      long delay = 1;
      if (plan.maxDelay() > 0 && random.nextInt(100) < plan.delayPercent()) {
        delay += 1 + random.nextInt(plan.maxDelay());
        delayed++;
      }
      network.add(new Message(now + delay, random.nextLong(), from, to, object, kind, label, wire));
    }
    trace("r" + from + " -> r" + to + " o" + object + " " + label + " sent"
        + (copies > 1 ? " twice" : ""));
  }

  private void deliverDue() {
    List<Message> due = new ArrayList<>();
    while (!network.isEmpty() && network.peek().deliverAt() <= now) {
      due.add(network.poll());
    }
    Collections.shuffle(due, random);
    for (Message m : due) {
      delivered++;
      states.get(m.to()).get(m.object()).join(receive(m.payload()));
      trace("r" + m.to() + " <- r" + m.from() + " o" + m.object() + " " + m.label());
    }
  }

  @SuppressWarnings("unchecked")
  private T receive(Object wire) {
    if (!spec.codec().isPresent()) {
      return (T) wire;
    }
    byte[] bytes = (byte[]) wire;
    try {
      return spec.codec().get().decode(bytes);
    } catch (Exception e) {
      throw new AssertionError("decoding a message failed: " + e + "\n  bytes = "
          + CrdtLaws.hex(bytes), e);
    }
  }

  /** A value as it arrives elsewhere: through the codec if there is one, else itself. */
  private T transfer(T value) {
    if (!spec.codec().isPresent()) {
      return value;
    }
    return receive(spec.codec().get().encode(value));
  }

  private int repair() {
    int limit = replicas.size() + 2;
    for (int round = 1; round <= limit; round++) {
      boolean changed = false;
      for (int i = 0; i < replicas.size(); i++) {
        for (int j = 0; j < replicas.size(); j++) {
          if (i == j) {
            continue;
          }
          for (int o = 0; o < plan.objects(); o++) {
            T target = states.get(j).get(o);
            CausalContext before = target.context();
            target.join(transfer(states.get(i).get(o).deltaSince(before)));
            if (!target.context().equals(before)) {
              changed = true;
            }
          }
        }
      }
      trace("anti-entropy round " + round + (changed ? " changed states" : " changed nothing"));
      if (!changed) {
        return round;
      }
    }
    throw new AssertionError("anti-entropy did not settle after " + limit + " rounds\n"
        + differences());
  }

  private boolean allEqual() {
    for (int o = 0; o < plan.objects(); o++) {
      for (int r = 1; r < replicas.size(); r++) {
        if (!states.get(0).get(o).equals(states.get(r).get(o))) {
          return false;
        }
      }
    }
    return true;
  }

  private void checkObject(int o) {
    T first = states.get(0).get(o);
    for (int r = 1; r < replicas.size(); r++) {
      if (!first.equals(states.get(r).get(o))) {
        throw new AssertionError("replicas differ after anti-entropy\n" + differences());
      }
    }
    List<T> all = new ArrayList<>(deltas.get(o));
    Collections.shuffle(all, random);
    T joined = spec.bottom();
    for (T d : all) {
      joined.join(d);
    }
    CrdtLaws.assertEqual(spec,
        "the converged state of o" + o + " differs from the join of its " + all.size() + " deltas",
        "converged", first, "⊔ deltas", joined, "");
    if (spec.convergedCheck().isPresent()) {
      spec.convergedCheck().get().check(first, Collections.unmodifiableList(applied.get(o)));
    }
  }

  private String differences() {
    StringBuilder sb = new StringBuilder();
    for (int o = 0; o < plan.objects(); o++) {
      for (int r = 0; r < replicas.size(); r++) {
        boolean same = r > 0 && states.get(r).get(o).equals(states.get(0).get(o));
        sb.append("  o").append(o).append(" at r").append(r).append(" = ")
            .append(same ? "(same as r0)" : spec.show(states.get(r).get(o))).append('\n');
      }
    }
    return sb.toString();
  }

  private void trace(String event) {
    if (trace.size() == MAX_TRACE) {
      trace.removeFirst();
    }
    trace.addLast("t" + now + " " + event);
  }

  private AssertionError failure(Throwable cause) {
    StringBuilder sb = new StringBuilder();
    sb.append(spec.name()).append(": simulation failed: ").append(cause instanceof AssertionError
        ? cause.getMessage() : cause.toString()).append('\n');
    sb.append("replicas: ");
    for (int r = 0; r < replicas.size(); r++) {
      sb.append(r == 0 ? "" : ", ").append('r').append(r).append('=').append(replicas.get(r).id());
    }
    sb.append("\nso far: ").append(mutations).append(" mutations, ").append(refused)
        .append(" refused, ").append(sent).append(" messages sent, ").append(dropped)
        .append(" dropped, ").append(duplicated).append(" duplicated, ").append(delayed)
        .append(" delayed, ").append(delivered).append(" delivered, ").append(restarts)
        .append(" restarts\n");
    sb.append("trace (last ").append(trace.size()).append(" events):\n");
    for (String t : trace) {
      sb.append("  ").append(t).append('\n');
    }
    sb.append("seed=").append(plan.seed()).append("; replay with: ReplicaSimulator.replay(spec, \"")
        .append(plan).append("\")");
    return new AssertionError(sb.toString(), cause);
  }
}
