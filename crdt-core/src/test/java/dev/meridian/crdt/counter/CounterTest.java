package dev.meridian.crdt.counter;

import static dev.meridian.crdt.Sites.assertDeltaSinceLaw;
import static dev.meridian.crdt.Sites.joinInEveryOrder;
import static dev.meridian.crdt.Sites.replica;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.Replica;
import java.util.List;
import org.junit.jupiter.api.Test;

class CounterTest {
  private final Replica r1 = replica(1);
  private final Replica r2 = replica(2);
  private final Replica r3 = replica(3);

  @Test
  void increment_concurrentAtThreeReplicas_allCount() {
    Counter c1 = new Counter();
    Counter c2 = new Counter();
    Counter c3 = new Counter();
    Counter d1 = c1.increment(r1, 5);
    Counter d2 = c2.increment(r2, -2);
    Counter d3 = c3.increment(r3, 10);
    Counter d1b = c1.increment(r1, 1);

    c1.join(d2);
    c1.join(d3);
    c2.join(d3);
    c2.join(d1b); // carries r1's whole contribution
    c2.join(d1);
    c3.join(d1);
    c3.join(d1b);
    c3.join(d2);

    assertEquals(14, c1.value());
    assertEquals(c1, c2);
    assertEquals(c1, c3);
    assertEquals(c1, joinInEveryOrder(new Counter(), List.of(d1, d2, d3, d1b)));
  }

  @Test
  void increment_replacesOwnEntry() {
    Counter c = new Counter();
    c.increment(r1, 2);
    Counter delta = c.increment(r1, 3);

    assertEquals(5, c.value());
    assertEquals(1, c.store().size());
    assertEquals(5, delta.value(), "the delta carries the replica's whole contribution");
  }

  @Test
  void value_newerDeltaBeforeAnEarlierOne_showsTheReplicasNewestTotal() {
    Counter writer = new Counter();
    Counter d0 = writer.increment(r1, 3);
    Counter d1 = writer.increment(r1, -4);
    Counter d2 = writer.increment(r1, -1);
    Counter reader = new Counter();
    reader.join(d0);
    reader.join(d2); // overtakes d1, which alone removes d0's entry
    assertEquals(-2, reader.value(), "a total no order of the writes explains (3 + -2)");
    reader.join(d1);
    assertEquals(-2, reader.value());
    assertEquals(writer, reader);
  }

  @Test
  void join_duplicateDelta_countsOnce() {
    Counter c1 = new Counter();
    Counter c2 = new Counter();
    Counter d = c1.increment(r1, 7);

    c2.join(d);
    c2.join(d);
    c2.join(c1.copy());

    assertEquals(7, c2.value());
  }

  @Test
  void increment_overflow_throwsAndChangesNothing() {
    Counter c = new Counter();
    c.increment(r1, Long.MAX_VALUE);
    Counter before = c.copy();

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.increment(r1, 1));

    assertTrue(e.getMessage().contains("overflow"), e.getMessage());
    assertEquals(before, c);
  }

  @Test
  void value_contributionsOfDifferentReplicasMayCancel() {
    Counter c1 = new Counter();
    Counter c2 = new Counter();
    c2.join(c1.increment(r1, Long.MAX_VALUE));
    c2.increment(r2, -Long.MAX_VALUE);

    assertEquals(0, c2.value());
  }

  @Test
  void deltaSince_replicaMissedAnIncrement_countsItOnce() {
    // An increment overwrites the replica's previous entry: a removal of its dot.
    Counter c1 = new Counter();
    Counter c2 = new Counter();
    c2.join(c1.increment(r1, 1));
    c1.increment(r1, 2); // c2 misses this delta; it replaces the entry c2 holds
    assertDeltaSinceLaw(c1, c2);

    c2.join(c1.deltaSince(c2.context()));

    assertEquals(3, c2.value());
    assertEquals(c1, c2);
  }

  @Test
  void deltaSince_law_concurrentStates() {
    Counter c1 = new Counter();
    Counter c2 = new Counter();
    c2.join(c1.increment(r1, 1));
    c1.increment(r1, 2);
    c2.increment(r2, 4);

    assertDeltaSinceLaw(c1, c2);
    assertDeltaSinceLaw(c2, c1);
    assertDeltaSinceLaw(c1, new Counter());
  }
}
