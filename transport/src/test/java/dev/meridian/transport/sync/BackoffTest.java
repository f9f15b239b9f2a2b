package dev.meridian.transport.sync;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BackoffTest {
  @Test
  void delay_doublesToTheCap_withJitterInTheUpperHalf() {
    Backoff b = new Backoff(100, 1600, new Random(1));
    long[] expected = {100, 200, 400, 800, 1600, 1600, 1600};
    for (int failures = 0; failures < expected.length; failures++) {
      for (int i = 0; i < 50; i++) {
        long d = b.delay(failures);
        assertTrue(d >= expected[failures] / 2 && d <= expected[failures],
            "failures " + failures + ": " + d);
      }
    }
    assertTrue(new Backoff(100, 1600, new Random(1)).delay(1_000) <= 1600, "no overflow");
  }

  @Test
  void delay_isJittered_andReplays() {
    Backoff a = new Backoff(1_000_000, 1_000_000_000, new Random(9));
    Backoff b = new Backoff(1_000_000, 1_000_000_000, new Random(9));
    long first = a.delay(5);
    assertEquals(first, b.delay(5));
    boolean varied = false;
    for (int i = 0; i < 10; i++) {
      varied |= a.delay(5) != first;
    }
    assertTrue(varied);
  }

  @Test
  void directory_dialsConfiguredPeers_backsOffFailures_andSkipsConnected() {
    PeerDirectory d = new PeerDirectory(List.of("a", "b", "self"), "self", 10,
        new Backoff(100, 1000, new Random(3)), 0);
    assertEquals(List.of("a", "b"), d.due(0, r -> false));
    assertEquals(List.of(), d.due(0, r -> false), "already dialling");
    d.ended("a", false, 0);
    assertTrue(d.nextDue(r -> false) >= 100, "a failure waits about twice the base");
    assertEquals(List.of(), d.due(99, r -> false));
    d.learn("c", 0);
    d.learn("self", 0);
    assertEquals(List.of("c"), d.due(1, r -> false), "learned peers are dialled, never self");
    dev.meridian.crdt.ReplicaId id = dev.meridian.crdt.ReplicaId.of(7);
    d.opened("b", id);
    d.ended("b", true, 10);
    assertEquals(List.of(), d.due(10_000, r -> r.equals(id)).stream()
        .filter("b"::equals).toList(), "connected by another stream: not redialled");
  }
}
