package dev.meridian.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.HybridClock;
import dev.meridian.crdt.clock.Stability;
import dev.meridian.crdt.counter.Counter;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Convergence of a counter with collection on: a retired replica's entries are folded
 * ({@link Counter#foldRetired}) by one designated replica as soon as its own {@link Stability},
 * fed by the members' reports over a lossy network, says the retired replica's last dot is
 * causally stable. Messages (anti-entropy deltas and reports) are dropped, duplicated and
 * reordered; one replica is slow (it is reached, and reports, rarely) for most of the run and is
 * never retired. After a final heal every replica must hold the same counter, its value must be
 * the sum of every increment, and no replica may hold an entry of the retired one.
 *
 * <p>Each try prints nothing; a failure names its seed ({@code seed=...}), which replays it.
 */
class CounterCollectionProperties {
  @Property
  void counter_withRetiredReplicaFolded_converges_totalUnchanged(
      @ForAll long seed, @ForAll @IntRange(min = 3, max = 5) int n) {
    new Run(seed, n).run();
  }

  private static final class Message {
    final int from;
    final int to;
    final Counter delta; // null for a report
    final CausalContext reported;
    final long issued;

    Message(int from, int to, Counter delta, CausalContext reported, long issued) {
      this.from = from;
      this.to = to;
      this.delta = delta;
      this.reported = reported;
      this.issued = issued;
    }
  }

  private static final class Run {
    final long seed;
    final Random random;
    final int n;
    final Replica[] replicas;
    final Counter[] state;
    final List<Message> net = new ArrayList<>();
    final int retiree;
    final int slow;
    final int folder = 0; // the designated folder: the only one that folds
    final Stability stability;
    long expected;
    boolean retired;
    boolean folded;
    long retiredLast;

    Run(long seed, int n) {
      this.seed = seed;
      this.random = new Random(seed);
      this.n = n;
      this.replicas = new Replica[n];
      this.state = new Counter[n];
      Set<ReplicaId> members = new HashSet<>();
      for (int i = 0; i < n; i++) {
        replicas[i] = Replica.resume(ReplicaId.of(i + 1), 0, new HybridClock(() -> 0L));
        state[i] = new Counter();
        members.add(replicas[i].id());
      }
      this.retiree = n - 1;
      this.slow = 1;
      this.stability = new Stability(members);
    }

    boolean up(int i) {
      return !(retired && i == retiree);
    }

    void run() {
      int steps = 80 + random.nextInt(120);
      for (int step = 0; step < steps; step++) {
        boolean healing = step > steps * 3 / 4; // the slow replica catches up at the end
        int what = random.nextInt(10);
        int i = random.nextInt(n);
        if (what < 3 && up(i) && !(i == retiree && step > steps / 3)) {
          long amount = random.nextInt(11) - 5L;
          Counter d = state[i].increment(replicas[i], amount);
          expected += amount;
          send(i, d);
        } else if (what < 6) {
          sync(i, random.nextInt(n));
        } else if (what < 8) {
          report(i);
        } else {
          deliverSome(healing);
        }
        if (!retired && step > steps / 2) {
          retire();
        }
        tryFold();
      }
      // Final heal: full anti-entropy and reports until nothing changes and the fold is done.
      for (int round = 0; round < 4; round++) {
        for (int i = 0; i < n; i++) {
          for (int j = 0; j < n; j++) {
            sync(i, j);
          }
          report(i);
        }
        deliverAll();
        for (int t = 0; t < 20; t++) {
          tryFold();
        }
      }
      String where = "seed=" + seed + ", n=" + n;
      assertTrue(folded, "the fold never became safe: " + stability + "; " + where);
      for (int i = 0; i < n; i++) {
        if (!up(i)) {
          continue;
        }
        assertEquals(expected, state[i].value(), "value at replica " + i + "; " + where);
        assertFalse(Counter.holdsEntryOf(state[i].store(), replicas[retiree].id()),
            "replica " + i + " holds the retired replica's entry; " + where);
        assertEquals(state[folder], state[i], "replica " + i + " diverged; " + where);
      }
    }

    void send(int from, Counter delta) {
      for (int to = 0; to < n; to++) {
        if (to != from && random.nextInt(4) > 0) { // some pushes are lost; sync repairs
          net.add(new Message(from, to, delta.copy(), null, 0));
        }
      }
    }

    void sync(int from, int to) {
      if (from != to && up(from) && up(to)) {
        net.add(new Message(from, to, state[from].deltaSince(state[to].context()), null, 0));
      }
    }

    void report(int from) {
      if (up(from)) {
        // The context first, then the counter: what the member mints later is made from a state
        // that holds the context.
        CausalContext applied = state[from].context();
        net.add(new Message(from, folder, null, applied, replicas[from].lastCounter()));
      }
    }

    void deliverSome(boolean healing) {
      int k = 1 + random.nextInt(4);
      for (int x = 0; x < k && !net.isEmpty(); x++) {
        int idx = random.nextInt(net.size());
        Message m = net.get(idx);
        boolean slowLink = (m.from == slow || m.to == slow) && !healing;
        if (slowLink && random.nextInt(20) > 0) {
          continue; // the slow replica's links deliver rarely
        }
        net.remove(idx);
        int fate = random.nextInt(10);
        if (fate == 0) {
          continue; // dropped
        }
        deliver(m);
        if (fate == 1) {
          net.add(m); // duplicated
        }
      }
    }

    void deliverAll() {
      while (!net.isEmpty()) {
        deliver(net.remove(net.size() - 1));
      }
    }

    void deliver(Message m) {
      if (!up(m.to) || (!up(m.from) && m.delta == null)) {
        return;
      }
      if (m.delta != null) {
        state[m.to].join(m.delta.copy());
      } else {
        stability.report(replicas[m.from].id(), m.reported, m.issued);
      }
    }

    void retire() {
      // The retiree leaves: a last anti-entropy round reaches one member other than the folder (a
      // replica whose own superseded events no one else applied would leave them pending
      // everywhere, and the stable prefix would stop there); the others, the folder among them,
      // learn its last writes from that member over the lossy network. Then its undelivered
      // messages are lost, it is removed from membership, and its last dot is the highest any
      // remaining member holds.
      int heir = 1 + random.nextInt(n - 2);
      state[heir].join(state[retiree].deltaSince(state[heir].context()));
      retired = true;
      net.removeIf(m -> m.from == retiree);
      for (int i = 0; i < n; i++) {
        if (up(i)) {
          retiredLast = Math.max(retiredLast, state[i].context().max(replicas[retiree].id()));
        }
      }
      stability.retire(replicas[retiree].id(), retiredLast);
    }

    void tryFold() {
      // The folder tries whenever it likes once the replica is retired; the fold itself refuses
      // while the retiree's last dot is not causally stable (and the try goes on).
      ReplicaId r = replicas[retiree].id();
      if (retired && !folded && random.nextInt(3) == 0) {
        Counter d;
        try {
          d = state[folder].foldRetired(replicas[folder], r, stability.causallyStable(),
              retiredLast);
        } catch (IllegalStateException notYet) {
          return;
        }
        folded = true;
        if (!d.isEmpty()) {
          send(folder, d);
        }
      }
    }
  }
}
