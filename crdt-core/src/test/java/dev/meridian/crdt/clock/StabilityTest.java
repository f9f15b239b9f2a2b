package dev.meridian.crdt.clock;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.ReplicaId;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StabilityTest {
  private static final ReplicaId A = ReplicaId.of(1);
  private static final ReplicaId B = ReplicaId.of(2);
  private static final ReplicaId C = ReplicaId.of(3);

  /** A context of ranges: ctx(A, 1, 5, B, 1, 3) holds A:1..5 and B:1..3. */
  private static CausalContext ctx(Object... parts) {
    CausalContext c = new CausalContext();
    for (int i = 0; i < parts.length; i += 3) {
      c.addRange((ReplicaId) parts[i], (Integer) parts[i + 1], (Integer) parts[i + 2]);
    }
    return c;
  }

  @Test
  void meet_isTheSmallestContiguousPrefix_andAGapStopsIt() {
    StableVector s = StableVector.meet(List.of(ctx(A, 1, 9, B, 1, 4), ctx(A, 1, 5, A, 7, 9, B, 1, 6)));
    assertEquals(5, s.get(A)); // the second member misses A:6
    assertEquals(4, s.get(B));
    assertEquals(0, s.get(C));
    assertTrue(s.contains(new Dot(A, 5)));
    assertFalse(s.contains(new Dot(A, 7)));
    assertTrue(s.containsAll(ctx(A, 2, 5, B, 4, 4)));
    assertFalse(s.containsAll(ctx(A, 2, 6)));
    assertEquals(ctx(A, 1, 5, B, 1, 4), s.asContext());
  }

  @Test
  void meet_ofAReplicaOneMemberNeverSaw_isZero() {
    StableVector s = StableVector.meet(List.of(ctx(A, 1, 3, C, 1, 2), ctx(A, 1, 3)));
    assertEquals(0, s.get(C));
    assertEquals(StableVector.of(StableVector.meet(List.of(ctx(A, 1, 3))).asVersionVector()), s);
    assertThrows(IllegalArgumentException.class, () -> StableVector.meet(List.of()));
  }

  @Test
  void joinAndMeetOfVectors_areEntryWise() {
    StableVector x = StableVector.meet(List.of(ctx(A, 1, 3, B, 1, 1)));
    StableVector y = StableVector.meet(List.of(ctx(A, 1, 1, B, 1, 4)));
    assertEquals(StableVector.meet(List.of(ctx(A, 1, 3, B, 1, 4))), x.join(y));
    assertEquals(StableVector.meet(List.of(ctx(A, 1, 1, B, 1, 1))), x.meet(y));
    assertTrue(x.meet(y).isAtMost(x));
    assertFalse(x.isAtMost(y));
  }

  @Test
  void aMemberThatHasNotReported_holdsStabilityBack_untilRetired() {
    Stability s = new Stability(Set.of(A, B, C));
    s.report(A, ctx(A, 1, 4), 4);
    s.report(B, ctx(A, 1, 4), 0);
    assertEquals(StableVector.empty(), s.stable());
    assertEquals(StableVector.empty(), s.causallyStable());
    assertEquals(Set.of(C), s.silentMembers());
    s.retire(C, 0);
    assertEquals(4, s.stable().get(A));
    assertEquals(4, s.causallyStable().get(A)); // nothing was minted past the reports
  }

  /**
   * Causal stability trails stability: A's report says it may have minted A:6 before it held B:3,
   * so B:3 is not causally stable until A:6 is everywhere (A:6 could be an insert next to an
   * element B:3 removed, or concurrent with B:3 in any other way).
   */
  @Test
  void causalStability_waitsUntilWhatMembersMintedBeforeTheirReportIsEverywhere() {
    Stability s = new Stability(Set.of(A, B));
    s.report(A, ctx(A, 1, 5), 5);
    s.report(B, ctx(A, 1, 5, B, 1, 3), 3);
    assertEquals(5, s.stable().get(A));
    assertEquals(0, s.stable().get(B));
    assertEquals(0, s.causallyStable().get(A)); // B:1..3 were minted by B, not yet at A

    s.report(A, ctx(A, 1, 5, B, 1, 3), 6); // A minted A:6, not yet applied anywhere else
    assertEquals(3, s.stable().get(B));
    assertEquals(5, s.causallyStable().get(A));
    assertEquals(0, s.causallyStable().get(B)); // A:6 may have been made without B:3

    s.report(A, ctx(A, 1, 6, B, 1, 3), 6);
    s.report(B, ctx(A, 1, 6, B, 1, 3), 3);
    assertEquals(3, s.causallyStable().get(B));
    assertEquals(6, s.causallyStable().get(A)); // nothing was minted past these reports
    assertTrue(s.causallyStable().isAtMost(s.stable()));
  }

  @Test
  void staleReports_andNonMembers_areIgnored() {
    Stability s = new Stability(Set.of(A, B));
    s.report(A, ctx(A, 1, 5), 5);
    s.report(A, ctx(A, 1, 2), 5); // older, overtaken
    s.report(C, ctx(C, 1, 9), 9); // not a member
    s.report(B, ctx(A, 1, 5), 0);
    assertEquals(5, s.stable().get(A));
    assertEquals(0, s.stable().get(C));
    assertThrows(IllegalArgumentException.class, () -> s.report(A, ctx(A, 1, 7), 6));
  }

  @Test
  void addingAMember_holdsStabilityBack_butCausalStabilityNeverGoesBack() {
    Stability s = new Stability(Set.of(A, B));
    s.report(A, ctx(A, 1, 5), 5);
    s.report(B, ctx(A, 1, 5), 0);
    assertEquals(5, s.causallyStable().get(A));
    s.addMember(C);
    assertEquals(StableVector.empty(), s.stable());
    assertEquals(5, s.causallyStable().get(A));
    s.report(A, ctx(A, 1, 8), 8);
    s.report(B, ctx(A, 1, 8), 0);
    assertEquals(5, s.causallyStable().get(A)); // C has not reported
    s.report(C, ctx(A, 1, 8), 0);
    assertEquals(8, s.stable().get(A));
    assertEquals(8, s.causallyStable().get(A));
    assertThrows(IllegalArgumentException.class, () -> new Stability(Set.of()));
  }
}
