package dev.meridian.peer.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.function.Function;

/**
 * What a cluster run does, step by step: the application's operations at sites, interleaved with
 * faults. With the {@link #seed} (which draws the network's delays, losses and duplicates and the
 * sites' replica ids) a schedule fixes a whole run: the same schedule runs the same way every
 * time. Between two steps a fixed virtual time passes ({@link Cluster#STEP_MILLIS} unless the
 * check sets another).
 *
 * @param seed the cluster's seed (network randomness, replica ids)
 * @param sites the number of sites, 1 or more
 * @param steps the steps, in order
 * @param <O> the application's operation type
 */
public record Schedule<O>(long seed, int sites, List<Step<O>> steps) {
  /** The largest clock skew a random schedule sets, either way. */
  private static final long MAX_SKEW_MILLIS = 2_000;

  /** Checks that every step names a site of the cluster; copies the steps. */
  public Schedule {
    if (sites < 1) {
      throw new IllegalArgumentException("a cluster has at least one site: " + sites);
    }
    steps = List.copyOf(steps);
    for (Step<O> s : steps) {
      if (s.maxSite() >= sites) {
        throw new IllegalArgumentException("step '" + s + "' names a site past s" + (sites - 1));
      }
      if (s instanceof Step.Partition<O> p && p.groups().size() != sites) {
        throw new IllegalArgumentException("step '" + s + "' must give a group to each of "
            + sites + " sites");
      }
    }
  }

  /**
   * The random schedule of {@code seed}: {@code operations} operations drawn by {@code ops}, each
   * at a random site, with faults among them (about one step in five: partitions and heals,
   * crashes and restarts, lossy or slow networks, clock skews, waits). The same arguments give the
   * same schedule.
   */
  public static <O> Schedule<O> random(long seed, int sites, int operations,
      Function<Random, O> ops) {
    Objects.requireNonNull(ops, "ops");
    Random r = new Random(seed);
    List<Step<O>> steps = new ArrayList<>();
    for (int i = 0; i < operations; i++) {
      steps.add(new Step.Op<>(r.nextInt(sites), ops.apply(r)));
      if (r.nextInt(5) == 0) {
        steps.add(fault(r, sites));
      }
    }
    return new Schedule<>(r.nextLong(), sites, steps);
  }

  private static <O> Step<O> fault(Random r, int sites) {
    switch (r.nextInt(9)) {
      case 0, 1 -> {
        List<Integer> groups = new ArrayList<>();
        for (int i = 0; i < sites; i++) {
          groups.add(r.nextInt(2));
        }
        return new Step.Partition<>(groups);
      }
      case 2 -> {
        return new Step.Heal<>();
      }
      case 3 -> {
        return new Step.Crash<>(r.nextInt(sites));
      }
      case 4 -> {
        return new Step.Restart<>(r.nextInt(sites));
      }
      case 5 -> {
        long min = r.nextInt(3);
        return new Step.Network<>(r.nextDouble() * 0.3, r.nextDouble() * 0.2, min,
            min + r.nextInt(30));
      }
      case 6 -> {
        return new Step.Skew<>(r.nextInt(sites),
            (long) (r.nextDouble() * 2 * MAX_SKEW_MILLIS) - MAX_SKEW_MILLIS);
      }
      default -> {
        return new Step.Wait<>(1 + r.nextInt(200));
      }
    }
  }

  /** The operations of the schedule, in order. */
  public List<Step.Op<O>> operations() {
    List<Step.Op<O>> out = new ArrayList<>();
    for (Step<O> s : steps) {
      if (s instanceof Step.Op<O> o) {
        out.add(o);
      }
    }
    return out;
  }

  /** The schedule without steps {@code from} (inclusive) to {@code to} (exclusive), for shrinking. */
  public Schedule<O> without(int from, int to) {
    List<Step<O>> rest = new ArrayList<>(steps.subList(0, from));
    rest.addAll(steps.subList(to, steps.size()));
    return new Schedule<>(seed, sites, rest);
  }

  /** The trace: one numbered line per step, a {@code >} before step {@code mark} (or none: -1). */
  public String trace(int mark) {
    StringBuilder sb = new StringBuilder();
    sb.append("  cluster seed ").append(seed).append(", ").append(sites).append(" sites, ")
        .append(steps.size()).append(" steps\n");
    int width = String.valueOf(Math.max(0, steps.size() - 1)).length();
    for (int i = 0; i < steps.size(); i++) {
      sb.append(i == mark ? "  > " : "    ")
          .append(String.format(java.util.Locale.ROOT, "%" + width + "d  ", i))
          .append(steps.get(i)).append('\n');
    }
    return sb.toString();
  }

  @Override
  public String toString() {
    return "Schedule\n" + trace(-1);
  }
}
