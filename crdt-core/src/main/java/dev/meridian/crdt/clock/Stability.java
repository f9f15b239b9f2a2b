package dev.meridian.crdt.clock;

import static dev.meridian.crdt.Preconditions.requireArgument;

import com.google.common.collect.ImmutableSet;
import dev.meridian.crdt.ReplicaId;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What one replica knows of the cluster's stability, from the members' reported contexts (the
 * contexts Acks carry): {@link #stable()}, the dots every member has applied, and {@link
 * #causallyStable()}, the dots that moreover nothing still in flight anywhere can be concurrent
 * with. Collection of metadata takes the latter.
 *
 * <p><b>Causal stability without causal delivery.</b> A dot {@code d} is causally stable once every
 * member has applied it <em>and</em> every event not yet applied everywhere was made by a member
 * whose state already held {@code d}: then no event that arrives later can be concurrent with
 * {@code d}, refer to something {@code d} removed as if it were present, or sit beside {@code d}
 * unordered. Deltas travel in any order, so "every member has {@code d}" is not enough: a member
 * may have written, before it received {@code d}, an event still on its way. This class proves the
 * second half with a two-round rule. A report is a member's applied context {@code C} together
 * with {@code issued}, the highest counter it had minted when {@code C} was taken (read after
 * {@code C}), so every event it mints later, above {@code issued}, is made from a state holding
 * {@code C}. When every member has reported, the meet {@code S} of those reports becomes a
 * <em>candidate</em>, remembering each member's {@code issued}. The candidate is causally stable
 * once {@link #stable()} covers every member's remembered {@code issued}: every event below is
 * everywhere, and every event above was made from a state holding {@code S}. Then a new candidate
 * is taken from the latest reports. In steady state causal stability trails stability by about
 * two report rounds.
 *
 * <p><b>Membership.</b> A member that has not reported holds both vectors where they are. Adding a
 * member drops the candidate (its events were not made from a state holding it); {@link
 * #causallyStable()} never goes back, so a joining member must receive every document it writes
 * (catch-up) before it writes it, which the sync protocol's Hello ordering gives. Retiring a member
 * removes it from the meet; its own dots stay stable as far as they were.
 *
 * <p>Mutable, single-threaded (one per replica, driven by the sync loop).
 */
public final class Stability {
  private final Map<ReplicaId, Report> latest = new HashMap<>();
  private Set<ReplicaId> members;
  private StableVector stable = StableVector.empty();
  private StableVector causal = StableVector.empty();
  /** The candidate vector and each member's issued counter when it was taken; null if none. */
  private StableVector candidate;
  private Map<ReplicaId, Long> candidateIssued;

  private record Report(CausalContext applied, long issued) {}

  /**
   * Stability for the given members (this replica among them).
   *
   * @throws IllegalArgumentException if {@code members} is empty
   */
  public Stability(Set<ReplicaId> members) {
    requireArgument(!members.isEmpty(), "a cluster has at least one member");
    this.members = ImmutableSet.copyOf(members);
  }

  /** The current members. */
  public Set<ReplicaId> members() {
    return members;
  }

  /**
   * Records a member's report: its applied context (a copy is kept) and the highest counter it had
   * minted when the context was taken, read after it. Reports of non-members are ignored, and a
   * report older than one already held (a context that does not include the held one) is ignored.
   *
   * @throws IllegalArgumentException if {@code issued} is below the member's own dots in {@code
   *     applied}
   */
  public void report(ReplicaId member, CausalContext applied, long issued) {
    Objects.requireNonNull(applied, "applied");
    requireArgument(issued >= applied.max(member),
        "member %s reports issued %s below its own applied dot %s", member, issued,
        applied.max(member));
    if (!members.contains(member)) {
      return;
    }
    Report held = latest.get(member);
    if (held != null && !held.applied.isSubsetOf(applied)) {
      return; // a stale report overtaken by a newer one
    }
    latest.put(member, new Report(applied.copy(), Math.max(issued, held == null ? 0 : held.issued)));
    advance();
  }

  /** Adds a member; it holds stability back until it reports (see the class notes). */
  public void addMember(ReplicaId member) {
    if (members.contains(member)) {
      return;
    }
    members = ImmutableSet.<ReplicaId>builder().addAll(members).add(member).build();
    candidate = null;
    candidateIssued = null;
    stable = StableVector.empty(); // the new member has applied nothing we know of
  }

  /**
   * Removes a retired member: from then on it holds stability back only up to its last
   * counter. {@code lastCounter} is the
   * highest counter of it that any remaining member holds, taken after it stopped (its streams
   * closed): its events above were never received and are lost for ever, which retiring asserts.
   * Its events up to {@code lastCounter} must still be everywhere before what is stable now
   * becomes causally stable, since they may be concurrent with it.
   *
   * @throws IllegalArgumentException if it is the last member
   */
  public void retire(ReplicaId member, long lastCounter) {
    if (!members.contains(member)) {
      return;
    }
    requireArgument(members.size() > 1, "cannot retire the last member %s", member);
    ImmutableSet.Builder<ReplicaId> b = ImmutableSet.builder();
    members.stream().filter(m -> !m.equals(member)).forEach(b::add);
    members = b.build();
    latest.remove(member);
    if (candidateIssued != null) {
      candidateIssued.merge(member, lastCounter, Math::min);
    }
    advance();
  }

  /**
   * The dots every current member has applied, by the latest reports; empty until every member
   * has reported, and again from a member's addition until it reports.
   */
  public StableVector stable() {
    return stable;
  }

  /**
   * The dots that are causally stable: every member has applied them and every event not yet
   * applied everywhere was made from a state holding them. Never goes back.
   */
  public StableVector causallyStable() {
    return causal;
  }

  /** The members that have not reported since they joined (they hold stability back). */
  public Set<ReplicaId> silentMembers() {
    ImmutableSet.Builder<ReplicaId> b = ImmutableSet.builder();
    members.stream().filter(m -> !latest.containsKey(m)).forEach(b::add);
    return b.build();
  }

  private void advance() {
    if (!latest.keySet().containsAll(members)) {
      return;
    }
    List<CausalContext> contexts = new ArrayList<>();
    members.forEach(m -> contexts.add(latest.get(m).applied));
    // Not joined with the previous value: a member added since holds it back.
    stable = StableVector.meet(contexts);
    if (candidate != null && candidateCovered()) {
      causal = causal.join(candidate);
      candidate = null;
    }
    if (candidate == null) {
      candidate = stable;
      candidateIssued = new HashMap<>();
      members.forEach(m -> candidateIssued.put(m, latest.get(m).issued));
      if (candidateCovered()) {
        // Nothing was minted past the stable prefix: the candidate is causally stable at once.
        causal = causal.join(candidate);
      }
    }
  }

  private boolean candidateCovered() {
    for (Map.Entry<ReplicaId, Long> e : candidateIssued.entrySet()) {
      if (stable.get(e.getKey()) < e.getValue()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public String toString() {
    return "Stability{members=" + members + ", stable=" + stable + ", causal=" + causal + "}";
  }
}
