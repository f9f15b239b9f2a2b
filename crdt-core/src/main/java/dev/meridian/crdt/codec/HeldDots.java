package dev.meridian.crdt.codec;

import static dev.meridian.crdt.codec.DecodeChecks.require;

import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.CausalContext;
import dev.meridian.crdt.clock.Dot;
import dev.meridian.crdt.store.DotSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;

/**
 * The dots a decoded store holds, checked as the decoder reads them: each is in the context and
 * not pending (a held dot's event was applied), and no dot is held twice, whether by entries
 * (registers, counters, flags, set elements) or by present sequence elements, which hold runs of
 * dots and are checked against the rest once the whole store is read ({@link #checkHeldOnce}).
 */
final class HeldDots {
  private final ReplicaId[] replicas;
  private final CausalContext context;
  private final CausalContext pending;
  /** The entries' dots read so far. */
  private final HashSet<Dot> seenDots = new HashSet<>();
  /** Present sequence elements' dots, as ranges: replica and {lo, hi}. */
  private final List<ReplicaId> elementReplicas = new ArrayList<>();
  private final List<long[]> elementRanges = new ArrayList<>();

  HeldDots(ReplicaId[] replicas, CausalContext context, CausalContext pending) {
    this.replicas = replicas;
    this.context = context;
    this.pending = pending;
  }

  /**
   * The dot an entry holds, as crdt.proto writes it: a replica index and its distance below the
   * context's highest counter of that replica.
   */
  Dot dot(long replicaIndex, long back) throws CodecException {
    require(replicaIndex >= 0 && replicaIndex < replicas.length, "replica index %d out of range", replicaIndex);
    long max = context.max(replicas[(int) replicaIndex]);
    require(back >= 0 && back < max, "dot %d below the context's highest counter %d is out of range", back, max);
    Dot d = new Dot(replicas[(int) replicaIndex], max - back);
    require(context.contains(d), "dot %s is not in the context", d);
    require(seenDots.add(d), "dot %s appears twice", d);
    require(!pending.contains(d), "dot %s is held but pending (its event not applied)", d);
    return d;
  }

  /** A flag's or set element's dots: (replica index, back) pairs, sorted. */
  DotSet dotSet(List<Long> pairs, boolean mayBeEmpty) throws CodecException {
    require(pairs.size() % 2 == 0, "dots are pairs");
    require(pairs.size() / 2 <= StateDecoder.MAX_ENTRIES, "more than %d dots in one flag or set element",
        StateDecoder.MAX_ENTRIES);
    require(mayBeEmpty || !pairs.isEmpty(), "empty dot set outside a keyed delta");
    DotSet s = new DotSet();
    Dot prev = null;
    for (int i = 0; i < pairs.size(); i += 2) {
      Dot d = dot(pairs.get(i), pairs.get(i + 1));
      require(prev == null || prev.compareTo(d) < 0, "dots not sorted");
      prev = d;
      s.addAbsent(d);
    }
    return s;
  }

  /** Records the dots {@code lo .. hi} of {@code r} that present sequence elements hold. */
  void presentRange(ReplicaId r, long lo, long hi) throws CodecException {
    if (!context.contains(r, lo) || context.sameUntil(r, lo, hi) != hi) {
      require(false, "present elements %s:%s..%s are not all in the context", r, lo, hi);
    }
    if (pending.containsAny(r, lo, hi)) {
      require(false, "present elements %s:%s..%s are pending", r, lo, hi);
    }
    elementReplicas.add(r);
    elementRanges.add(new long[] {lo, hi});
  }

  /** Once the store is read: no dot is held twice (by two present elements, or one and an entry). */
  void checkHeldOnce() throws CodecException {
    if (elementRanges.isEmpty()) {
      return;
    }
    Integer[] order = new Integer[elementRanges.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> {
      int c = elementReplicas.get(a).compareTo(elementReplicas.get(b));
      return c != 0 ? c : Long.compare(elementRanges.get(a)[0], elementRanges.get(b)[0]);
    });
    for (int i = 1; i < order.length; i++) {
      int a = order[i - 1];
      int b = order[i];
      require(!elementReplicas.get(a).equals(elementReplicas.get(b))
          || elementRanges.get(a)[1] < elementRanges.get(b)[0], "an element's dot appears twice");
    }
    CausalContext held = CausalContext.ofRanges(elementReplicas, elementRanges);
    for (Dot d : seenDots) {
      require(!held.contains(d), "dot %s appears twice", d);
    }
  }
}
