package dev.meridian.testkit;

import static dev.meridian.testkit.PlanText.check;

import java.util.Map;
import java.util.Set;

/**
 * One run of the {@link ReplicaSimulator}: {@code replicas} replicas, each holding a state of each
 * of {@code objects} objects (all sharing the replica's one dot counter), take {@code ops} ticks of
 * random mutations and syncs over a network that drops, duplicates, delays and reorders messages.
 * Every choice is drawn from {@code seed}, so a printed plan replays the run exactly.
 *
 * @param replicas the number of replicas, 2 to 8
 * @param objects the number of objects each replica holds, 1 to 4
 * @param ops the number of ticks (each tick usually one mutation)
 * @param dropPercent chance that a message is lost, 0 to 100
 * @param duplicatePercent chance that a message is delivered twice, 0 to 100
 * @param delayPercent chance that a message is held back for up to {@code maxDelay} extra ticks
 * @param maxDelay the longest extra delay in ticks, 0 or more
 * @param seed the seed of every random choice
 */
public record SimulationPlan(
    int replicas,
    int objects,
    int ops,
    int dropPercent,
    int duplicatePercent,
    int delayPercent,
    int maxDelay,
    long seed) {
  private static final Set<String> KEYS =
      Set.of("replicas", "objects", "ops", "drop", "duplicate", "delay", "maxDelay", "seed");

  /** Checks the bounds. */
  public SimulationPlan {
    check(replicas >= 2 && replicas <= 8, "replicas must be 2 to 8: %s", replicas);
    check(objects >= 1 && objects <= 4, "objects must be 1 to 4: %s", objects);
    check(ops >= 0, "ops must not be negative: %s", ops);
    check(dropPercent >= 0 && dropPercent <= 100, "drop must be 0 to 100: %s", dropPercent);
    check(duplicatePercent >= 0 && duplicatePercent <= 100, "duplicate must be 0 to 100: %s",
        duplicatePercent);
    check(delayPercent >= 0 && delayPercent <= 100, "delay must be 0 to 100: %s", delayPercent);
    check(maxDelay >= 0, "maxDelay must not be negative: %s", maxDelay);
  }

  /** Parses the text {@link #toString()} prints. */
  public static SimulationPlan parse(String text) {
    Map<String, String> m = PlanText.parse(text, KEYS);
    return new SimulationPlan(
        PlanText.intValue(m, "replicas"),
        PlanText.intValue(m, "objects"),
        PlanText.intValue(m, "ops"),
        PlanText.intValue(m, "drop"),
        PlanText.intValue(m, "duplicate"),
        PlanText.intValue(m, "delay"),
        PlanText.intValue(m, "maxDelay"),
        PlanText.longValue(m, "seed"));
  }

  @Override
  public String toString() {
    return "replicas=" + replicas + " objects=" + objects + " ops=" + ops + " drop=" + dropPercent
        + " duplicate=" + duplicatePercent + " delay=" + delayPercent + " maxDelay=" + maxDelay
        + " seed=" + seed;
  }
}
