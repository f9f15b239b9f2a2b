package dev.meridian.testkit;

import static dev.meridian.testkit.PlanText.check;

import java.util.Map;
import java.util.Set;

/**
 * What the law checks run on: {@code replicas} replicas take {@code steps} random steps (mutations,
 * syncs of full states, {@code deltaSince} and groups of deltas, snapshots), every choice drawn from
 * {@code seed}. The same plan always makes the same history, so a plan printed by a failure replays
 * it, and a plan with fewer steps makes a prefix of the same history.
 *
 * @param replicas the number of replicas, 1 to 8
 * @param steps the number of steps, 0 or more
 * @param seed the seed of every random choice
 */
public record HistoryPlan(int replicas, int steps, long seed) {
  private static final Set<String> KEYS = Set.of("replicas", "steps", "seed");

  /** Checks the bounds. */
  public HistoryPlan {
    check(replicas >= 1 && replicas <= 8, "replicas must be 1 to 8: %s", replicas);
    check(steps >= 0, "steps must not be negative: %s", steps);
  }

  /** Parses the text {@link #toString()} prints, e.g. {@code replicas=2 steps=14 seed=-5}. */
  public static HistoryPlan parse(String text) {
    Map<String, String> m = PlanText.parse(text, KEYS);
    return new HistoryPlan(
        PlanText.intValue(m, "replicas"), PlanText.intValue(m, "steps"), PlanText.longValue(m, "seed"));
  }

  @Override
  public String toString() {
    return "replicas=" + replicas + " steps=" + steps + " seed=" + seed;
  }
}
