package dev.meridian.peer.testkit;

import dev.meridian.crdt.clock.CausalContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One run of a {@link ClusterCheck}'s schedule on a fresh {@link Cluster}: each step applied (an
 * operation at its site, when that site is up, through the check's operation; a fault through
 * the cluster), time advanced, invariants checked at every site that is up; then convergence,
 * the invariants once more, and the converged checks with the history of the operations. Any
 * failure becomes a {@link ScheduleFailure} with the trace and each site's documents.
 */
final class ScheduleRun<O> {
  /** The check whose operation, checks and settings this run applies. */
  private final ClusterCheck<O> owner;
  private final Cluster cluster;
  private final Schedule<O> schedule;
  private final String replayArgs;
  private final List<Integer> opSteps = new ArrayList<>();
  private final List<O> opList = new ArrayList<>();
  private final List<Integer> opSites = new ArrayList<>();
  private final List<CausalContext> opEvents = new ArrayList<>();

  ScheduleRun(ClusterCheck<O> owner, Cluster cluster, Schedule<O> schedule, String replayArgs) {
    this.owner = owner;
    this.cluster = cluster;
    this.schedule = schedule;
    this.replayArgs = replayArgs;
  }

  /** Runs every step, awaits convergence, and checks the converged state. */
  ClusterCheck.Result go() {
    List<Step<O>> steps = schedule.steps();
    for (int k = 0; k < steps.size(); k++) {
      Step<O> step = steps.get(k);
      if (step instanceof Step.Op<O> op) {
        if (cluster.isUp(op.site())) {
          runOp(k, op);
        }
      } else {
        cluster.apply(step);
      }
      cluster.advance(owner.stepMillis);
      checkInvariants(k);
    }
    long after;
    try {
      after = cluster.awaitConvergence();
    } catch (AssertionError e) {
      throw failure("convergence", -1, steps.size(), e);
    }
    checkInvariants(steps.size());
    List<ClusterCheck.Applied<O>> history = new ArrayList<>();
    int lost = 0;
    for (int i = 0; i < opList.size(); i++) {
      CausalContext events = opEvents.get(i);
      boolean survived = cluster.holds(0, events);
      if (!survived) {
        lost++;
      }
      history.add(new ClusterCheck.Applied<>(opSteps.get(i), opSites.get(i), opList.get(i),
          !events.isEmpty(), survived));
    }
    List<ClusterCheck.Applied<O>> view = List.copyOf(history);
    for (ClusterCheck.Named<ClusterCheck.ConvergedCheck<O>> c : owner.converged) {
      for (int s = 0; s < cluster.size(); s++) {
        try {
          c.check().check(cluster.site(s), view);
        } catch (Exception | AssertionError e) {
          throw failure(c.name(), s, steps.size(), e);
        }
      }
    }
    return new ClusterCheck.Result(schedule.seed(), steps.size(), opList.size(), lost, after,
        cluster.framesSent(), cluster.trace());
  }

  private void runOp(int k, Step.Op<O> op) {
    CausalContext events = cluster.recording(op.site(), site -> {
      try {
        owner.operation.apply(site, op.op());
      } catch (Exception | AssertionError e) {
        throw failure("operation", op.site(), k, e);
      }
    });
    opSteps.add(k);
    opList.add(op.op());
    opSites.add(op.site());
    opEvents.add(events);
  }

  /**
   * Every invariant at every site that is up; with asynchronous durability a site whose write
   * waits for its committer is checked after the commit (reading it now would commit early).
   */
  private void checkInvariants(int k) {
    for (ClusterCheck.Named<ClusterCheck.SiteCheck> inv : owner.invariants) {
      for (int s = 0; s < cluster.size(); s++) {
        if (!cluster.isUp(s) || cluster.hasPendingWrites(s)) {
          continue;
        }
        try {
          inv.check().check(cluster.site(s));
        } catch (Exception | AssertionError e) {
          throw failure(inv.name(), s, k, e);
        }
      }
    }
  }

  private ScheduleFailure failure(String check, int site, int k, Throwable cause) {
    if (cause instanceof ScheduleFailure f) {
      return f;
    }
    StringBuilder head = new StringBuilder();
    head.append(check.equals("operation") ? "an operation threw" : "\"" + check + "\" failed");
    if (site >= 0) {
      head.append(" at s").append(site);
    }
    head.append(k >= schedule.steps().size() ? " once converged" : " after step " + k)
        .append(": ").append(cause.getMessage());
    StringBuilder sb = new StringBuilder();
    sb.append("  cluster seed ").append(schedule.seed());
    if (replayArgs != null) {
      sb.append("; replay: ").append(String.format(Locale.ROOT, owner.replay, replayArgs));
    }
    sb.append('\n').append("schedule:\n").append(schedule.trace(k)).append("sites:\n")
        .append(safeDescribe());
    return new ScheduleFailure(head.toString(), sb.toString(), schedule, k, check, cause);
  }

  private String safeDescribe() {
    try {
      return cluster.describe();
    } catch (RuntimeException e) {
      return "  (could not read the sites: " + e + ")\n";
    }
  }
}
