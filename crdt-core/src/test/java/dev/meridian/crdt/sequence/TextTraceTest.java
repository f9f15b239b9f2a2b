package dev.meridian.crdt.sequence;

import static dev.meridian.crdt.Sites.replica;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.Replica;
import dev.meridian.testdata.EditingTrace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The automerge-paper editing trace (259,778 keystrokes; CC BY 4.0, Kleppmann and Beresford) on
 * {@link Text}: as local edits, and split between two replicas that exchange deltas.
 */
class TextTraceTest {
  private static EditingTrace trace;

  @BeforeAll
  static void load() {
    trace = EditingTrace.automergePaper();
  }

  /** Applies patch {@code i} as local edits, one delta each (positions clamped to the text). */
  private static void apply(Text t, Replica r, int i, Text deltas) {
    int at = Math.min(trace.position(i), t.length());
    int del = Math.min(trace.deleted(i), t.length() - at);
    if (del > 0) {
      Text d = t.delete(r, at, del);
      if (deltas != null) {
        deltas.join(d);
      }
    }
    if (!trace.inserted(i).isEmpty()) {
      Text d = t.insert(r, at, trace.inserted(i));
      if (deltas != null) {
        deltas.join(d);
      }
    }
  }

  @Test
  void automergePaper_appliedAsLocalEdits_givesEndContent() {
    Replica r = replica(1);
    Text t = new Text();
    for (int i = 0; i < trace.size(); i++) {
      apply(t, r, i, null);
    }
    assertEquals(trace.endContent(), t.value());
    assertEquals(104_852, t.length());
    assertEquals(182_315, t.store().recordCount(), "one record per inserted character");
    // Runs re-merge as typing continues and backspaces remove what was just typed: 12,487 is the
    // count with every chaining pair of runs merged.
    assertEquals(12_487, t.store().runCount());
  }

  @Test
  void automergePaper_alternatingChunksWithExchange_bothEndWithEndContent() {
    Replica ra = replica(1);
    Replica rb = replica(2);
    Text a = new Text();
    Text b = new Text();
    Text toB = new Text();
    Text toA = new Text();
    int chunk = 997;
    for (int start = 0; start < trace.size(); start += chunk) {
      boolean onA = (start / chunk) % 2 == 0;
      Text here = onA ? a : b;
      Text inbox = onA ? toA : toB;
      here.join(inbox); // catch up before editing: positions refer to the whole history
      if (onA) {
        toA = new Text();
      } else {
        toB = new Text();
      }
      Text outbox = onA ? toB : toA;
      for (int i = start; i < Math.min(trace.size(), start + chunk); i++) {
        apply(here, onA ? ra : rb, i, outbox);
      }
    }
    a.join(toA);
    b.join(toB);
    assertEquals(trace.endContent(), a.value());
    assertEquals(a, b);
  }

  @Test
  void automergePaper_concurrentHalves_convergeToOneText() {
    Replica ra = replica(1);
    Replica rb = replica(2);
    Text a = new Text();
    Text b = new Text();
    Text toB = new Text();
    Text toA = new Text();
    Text allFromA = new Text();
    int exchanges = 0;
    for (int i = 0; i < trace.size(); i++) {
      // Odd and even patches go to different replicas, which edit concurrently between exchanges.
      if (i % 2 == 0) {
        apply(a, ra, i, toB);
      } else {
        apply(b, rb, i, toA);
      }
      if (i % 10_000 == 9_999) {
        exchanges++;
        allFromA.join(toB);
        if (exchanges % 3 == 0) {
          // Now and then a lost batch, repaired by anti-entropy instead.
          a.join(b.deltaSince(a.context()));
          b.join(a.deltaSince(b.context()));
        } else {
          a.join(toA);
          b.join(toB);
        }
        toA = new Text();
        toB = new Text();
        assertEquals(a.value(), b.value(), "after exchange " + exchanges);
        assertEquals(0, a.store().waitingRuns(), "after exchange " + exchanges);
      }
    }
    allFromA.join(toB);
    a.join(toA);
    b.join(toB);
    assertEquals(a, b);
    assertEquals(a.value(), b.value());
    assertTrue(a.length() > 50_000, "both halves left text: " + a.length());

    Text c = new Text(); // a third replica that hears everything of a's first, then b's
    c.join(allFromA);
    c.join(b.deltaSince(c.context()));
    assertEquals(a, c);
  }
}
