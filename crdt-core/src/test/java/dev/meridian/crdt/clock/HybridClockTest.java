package dev.meridian.crdt.clock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.Sites.FakeClock;
import org.junit.jupiter.api.Test;

class HybridClockTest {
  @Test
  void now_followsWallClock() {
    FakeClock wall = new FakeClock(1_000);
    HybridClock clock = new HybridClock(wall);

    long t1 = clock.now();
    wall.set(2_000);
    long t2 = clock.now();

    assertEquals(1_000, HybridClock.millis(t1));
    assertEquals(0, HybridClock.logical(t1));
    assertEquals(2_000, HybridClock.millis(t2));
    assertEquals(0, HybridClock.logical(t2));
    assertEquals(t2, clock.last());
  }

  @Test
  void now_wallClockStuck_countsLogically() {
    HybridClock clock = new HybridClock(new FakeClock(1_000));

    long t1 = clock.now();
    long t2 = clock.now();
    long t3 = clock.now();

    assertTrue(t1 < t2 && t2 < t3);
    assertEquals(1_000, HybridClock.millis(t3));
    assertEquals(2, HybridClock.logical(t3));
  }

  @Test
  void now_wallClockGoesBackwards_staysMonotonic() {
    FakeClock wall = new FakeClock(5_000);
    HybridClock clock = new HybridClock(wall);
    long before = clock.now();

    wall.set(1_000);
    long after1 = clock.now();
    long after2 = clock.now();

    assertTrue(after1 > before, "went backwards: " + after1 + " <= " + before);
    assertTrue(after2 > after1);
    assertEquals(5_000, HybridClock.millis(after2));
    assertEquals(2, HybridClock.logical(after2));

    wall.set(6_000);
    long resumed = clock.now();
    assertEquals(6_000, HybridClock.millis(resumed));
    assertEquals(0, HybridClock.logical(resumed));
  }

  @Test
  void observe_remoteAhead_laterNowExceedsIt() {
    HybridClock clock = new HybridClock(new FakeClock(1_000));
    HybridClock remote = new HybridClock(new FakeClock(9_000));
    long remoteTs = remote.now();

    clock.observe(remoteTs);
    long t = clock.now();

    assertTrue(t > remoteTs);
    assertEquals(9_000, HybridClock.millis(t));
    assertEquals(remoteTs, remote.last());
  }

  @Test
  void observe_remoteBehind_changesNothing() {
    HybridClock clock = new HybridClock(new FakeClock(5_000));
    long t1 = clock.now();

    clock.observe(HybridClock.millis(1) << 16);

    assertEquals(t1, clock.last());
    assertTrue(clock.now() > t1);
  }

  @Test
  void last_fresh_isZero() {
    assertEquals(0, new HybridClock(new FakeClock(1)).last());
  }
}
