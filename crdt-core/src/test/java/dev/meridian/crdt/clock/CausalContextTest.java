package dev.meridian.crdt.clock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.collect.ImmutableMap;
import com.google.common.collect.ImmutableSortedSet;
import com.google.common.testing.EqualsTester;
import com.google.common.testing.NullPointerTester;
import dev.meridian.crdt.ReplicaId;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CausalContextTest {
  private static final ReplicaId A = ReplicaId.of(1);
  private static final ReplicaId B = ReplicaId.of(2);

  /** The context's ranges as "replica:lo-hi" strings, in order. */
  private static List<String> ranges(CausalContext c) {
    List<String> out = new ArrayList<>();
    c.forEachRange((r, lo, hi) -> out.add(r.value() + ":" + lo + "-" + hi));
    return out;
  }

  private static CausalContext ctx(ReplicaId r, long... bounds) {
    CausalContext c = new CausalContext();
    for (int i = 0; i < bounds.length; i += 2) {
      c.addRange(r, bounds[i], bounds[i + 1]);
    }
    return c;
  }

  @Test
  void add_singleDot_containsOnlyIt() {
    CausalContext c = CausalContext.of(new Dot(A, 3));

    assertTrue(c.contains(new Dot(A, 3)));
    assertFalse(c.contains(new Dot(A, 2)));
    assertFalse(c.contains(new Dot(A, 4)));
    assertFalse(c.contains(new Dot(B, 3)));
    assertEquals(1, c.dotCount());
    assertEquals(3, c.max(A));
    assertEquals(0, c.max(B));
  }

  @Test
  void addRange_adjacent_mergesIntoOneRange() {
    CausalContext c = ctx(A, 1, 3, 4, 6);

    assertEquals(List.of("1:1-6"), ranges(c));
    assertEquals(1, c.rangeCount());
  }

  @Test
  void addRange_adjacentBelow_mergesIntoOneRange() {
    CausalContext c = ctx(A, 5, 8, 2, 4);

    assertEquals(List.of("1:2-8"), ranges(c));
  }

  @Test
  void addRange_overlapping_merges() {
    CausalContext c = ctx(A, 1, 5, 3, 9, 2, 4);

    assertEquals(List.of("1:1-9"), ranges(c));
    assertEquals(9, c.dotCount());
  }

  @Test
  void addRange_gap_keepsSeparateRanges() {
    CausalContext c = ctx(A, 1, 3, 5, 6);

    assertEquals(List.of("1:1-3", "1:5-6"), ranges(c));
    assertFalse(c.contains(A, 4));
    assertEquals(5, c.dotCount());
  }

  @Test
  void addRange_insertBetweenRanges_keepsOrder() {
    CausalContext c = ctx(A, 1, 2, 10, 12, 6, 7);

    assertEquals(List.of("1:1-2", "1:6-7", "1:10-12"), ranges(c));
    assertTrue(c.contains(A, 6));
    assertFalse(c.contains(A, 5));
    assertFalse(c.contains(A, 9));
  }

  @Test
  void addRange_bridgingSeveralRanges_mergesThemAll() {
    CausalContext c = ctx(A, 1, 2, 4, 5, 7, 8, 10, 11, 20, 21);

    c.addRange(A, 3, 9);

    assertEquals(List.of("1:1-11", "1:20-21"), ranges(c));
  }

  @Test
  void addRange_coveringEverythingFromBelow_mergesIntoOne() {
    CausalContext c = ctx(A, 4, 5, 7, 8);

    c.addRange(A, 1, 30);

    assertEquals(List.of("1:1-30"), ranges(c));
  }

  @Test
  void addRange_alreadyHeld_changesNothing() {
    CausalContext c = ctx(A, 1, 10, 20, 30);
    CausalContext before = c.copy();

    c.addRange(A, 22, 25);
    c.add(new Dot(A, 5));

    assertEquals(before, c);
  }

  @Test
  void addRange_badBounds_throws() {
    CausalContext c = new CausalContext();

    IllegalArgumentException zero = assertThrows(IllegalArgumentException.class, () -> c.addRange(A, 0, 3));
    assertThrows(IllegalArgumentException.class, () -> c.addRange(A, 5, 4));
    assertTrue(zero.getMessage().contains("bad dot range"), zero.getMessage());
    assertTrue(c.isEmpty());
  }

  @Test
  void add_outOfOrder_compactsIntoPrefix() {
    CausalContext c = new CausalContext();
    for (long n : new long[] {3, 5, 2, 4}) {
      c.add(new Dot(A, n));
    }
    assertEquals(VersionVector.empty(), c.versionVector());
    assertEquals(
        ImmutableSortedSet.of(new Dot(A, 2), new Dot(A, 3), new Dot(A, 4), new Dot(A, 5)),
        c.cloud());

    c.add(new Dot(A, 1));

    assertEquals(VersionVector.of(ImmutableMap.of(A, 5L)), c.versionVector());
    assertEquals(ImmutableSortedSet.of(), c.cloud());
    assertEquals(1, c.rangeCount());
  }

  @Test
  void versionVectorAndCloud_splitPrefixFromCloud() {
    CausalContext c = ctx(A, 1, 4, 6, 6, 8, 9);
    c.addRange(B, 2, 3);

    assertEquals(VersionVector.of(ImmutableMap.of(A, 4L)), c.versionVector());
    assertEquals(
        ImmutableSortedSet.of(
            new Dot(A, 6), new Dot(A, 8), new Dot(A, 9), new Dot(B, 2), new Dot(B, 3)),
        c.cloud());
  }

  @Test
  void of_versionVector_holdsPrefixes() {
    VersionVector vv = VersionVector.of(ImmutableMap.of(A, 3L, B, 1L));

    CausalContext c = CausalContext.of(vv);

    assertEquals(List.of("1:1-3", "2:1-1"), ranges(c));
    assertEquals(vv, c.versionVector());
  }

  @Test
  void addAll_isUnion() {
    CausalContext c = ctx(A, 1, 3, 8, 9);
    CausalContext other = ctx(A, 4, 5);
    other.addRange(B, 7, 7);

    c.addAll(other);

    assertEquals(List.of("1:1-5", "1:8-9", "2:7-7"), ranges(c));
    assertEquals(List.of("1:4-5", "2:7-7"), ranges(other), "argument changed");
  }

  @Test
  void minus_punchesHoles() {
    CausalContext c = ctx(A, 1, 10);
    c.addRange(B, 1, 2);
    CausalContext other = ctx(A, 3, 4, 7, 7, 10, 12);

    CausalContext diff = c.minus(other);

    assertEquals(List.of("1:1-2", "1:5-6", "1:8-9", "2:1-2"), ranges(diff));
    assertEquals(List.of("1:1-10", "2:1-2"), ranges(c), "receiver changed");
  }

  @Test
  void minus_supersetOrSelf_isEmpty() {
    CausalContext c = ctx(A, 2, 5, 9, 9);

    assertTrue(c.minus(c).isEmpty());
    assertTrue(c.minus(ctx(A, 1, 20)).isEmpty());
    assertEquals(c, c.minus(new CausalContext()));
    assertEquals(new CausalContext(), c.minus(ctx(A, 1, 20)));
  }

  @Test
  void minus_rangeSpanningSeveralOfOther() {
    CausalContext c = ctx(A, 3, 20);
    CausalContext other = ctx(A, 1, 4, 6, 6, 8, 8, 19, 25);

    assertEquals(List.of("1:5-5", "1:7-7", "1:9-18"), ranges(c.minus(other)));
  }

  @Test
  void isSubsetOf_byDots() {
    CausalContext small = ctx(A, 2, 3);
    CausalContext big = ctx(A, 1, 5);
    CausalContext holed = ctx(A, 1, 2, 4, 5);

    assertTrue(small.isSubsetOf(big));
    assertFalse(big.isSubsetOf(small));
    assertFalse(small.isSubsetOf(holed));
    assertTrue(new CausalContext().isSubsetOf(small));
    assertFalse(small.isSubsetOf(ctx(B, 1, 5)));
  }

  @Test
  void compare_allFourOutcomes() {
    CausalContext a = ctx(A, 1, 3);
    CausalContext more = ctx(A, 1, 4);
    CausalContext other = ctx(A, 1, 2);
    other.addRange(B, 1, 1);

    assertEquals(Order.SAME, a.compare(ctx(A, 1, 2, 3, 3)));
    assertEquals(Order.BEFORE, a.compare(more));
    assertEquals(Order.AFTER, more.compare(a));
    assertEquals(Order.CONCURRENT, a.compare(other));
    assertEquals(Order.CONCURRENT, other.compare(a));
  }

  @Test
  void copy_isIndependent() {
    CausalContext c = ctx(A, 1, 3);
    CausalContext copy = c.copy();

    copy.addRange(A, 4, 9);
    copy.addRange(B, 1, 1);

    assertEquals(List.of("1:1-3"), ranges(c));
    assertEquals(List.of("1:1-9", "2:1-1"), ranges(copy));
  }

  @Test
  void forEachDot_visitsInOrder() {
    CausalContext c = ctx(B, 1, 2);
    c.addRange(A, 5, 5);
    List<Dot> seen = new ArrayList<>();

    c.forEachDot(seen::add);

    assertEquals(List.of(new Dot(A, 5), new Dot(B, 1), new Dot(B, 2)), seen);
    assertEquals(ImmutableSortedSet.of(A, B), c.replicas());
  }

  @Test
  void equals_canonicalForm() {
    CausalContext oneByOne = new CausalContext();
    for (long n : new long[] {4, 1, 3, 2, 9}) {
      oneByOne.add(new Dot(A, n));
    }
    CausalContext merged = ctx(A, 1, 2, 3, 4, 9, 9);
    CausalContext minused = ctx(A, 1, 9).minus(ctx(A, 5, 8));

    new EqualsTester()
        .addEqualityGroup(new CausalContext(), CausalContext.of(), ctx(A, 1, 3).minus(ctx(A, 1, 3)))
        .addEqualityGroup(oneByOne, merged, minused, oneByOne.copy())
        .addEqualityGroup(ctx(A, 1, 4))
        .addEqualityGroup(ctx(B, 1, 2, 3, 4, 9, 9))
        .addEqualityGroup(CausalContext.of(new Dot(A, 1), new Dot(B, 1)), CausalContext.of(VersionVector.of(ImmutableMap.of(A, 1L, B, 1L))))
        .testEquals();
  }

  @Test
  void toString_listsRanges() {
    CausalContext c = ctx(A, 1, 3, 5, 5);

    assertEquals("{0000000000000001=[1-3,5]}", c.toString());
  }

  @Test
  void staticFactories_rejectNull() {
    new NullPointerTester().testAllPublicStaticMethods(CausalContext.class);
  }

  @Test
  void manyReplicas_behaveAsFew() {
    // Past eight replicas the context indexes them by hash; order of insertion must not matter.
    CausalContext a = new CausalContext();
    CausalContext b = new CausalContext();
    for (int r = 1; r <= 20; r++) {
      a.addRange(ReplicaId.of(r), 1, r);
      b.addRange(ReplicaId.of(21 - r), 1, 21 - r);
    }
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertTrue(a.contains(new Dot(ReplicaId.of(17), 17)));
    assertFalse(a.contains(new Dot(ReplicaId.of(17), 18)));
    assertEquals(210, a.dotCount());
    CausalContext c = a.copy();
    c.addRange(ReplicaId.of(30), 5, 5);
    assertEquals(CausalContext.of(new Dot(ReplicaId.of(30), 5)), c.minus(a));
    assertTrue(a.isSubsetOf(c));
    assertTrue(c.intersects(b));
    List<Long> seen = new ArrayList<>();
    a.forEachRange((r, lo, hi) -> seen.add(r.value()));
    List<Long> sorted = new ArrayList<>(seen);
    java.util.Collections.sort(sorted);
    assertEquals(sorted, seen, "ranges are visited in replica order");
  }
}
