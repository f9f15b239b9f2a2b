package dev.meridian.peer.testkit;

import dev.meridian.peer.Meridian;
import dev.meridian.persistence.Durability;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.function.Function;

/**
 * An application's convergence check over a {@link Cluster}: the application's own operations,
 * written against {@link Meridian}, run at sites in a schedule of faults; invariants hold at every
 * site after every step, and once the faults end and the sites converge, properties of the
 * converged state hold (every site equal is checked always; a sequential model is one line).
 *
 * <pre>{@code
 * static final ClusterCheck<CartOp> CHECK = ClusterCheck.of(Cart::apply)
 *     .operations(50, CartOp::random)
 *     .invariant("no negative quantity", site -> assertTrue(Cart.lines(site).values().stream()
 *         .allMatch(q -> q >= 0)))
 *     .model("units added", ops -> ops.stream().mapToLong(CartOp::units).sum(), Cart::unitsAdded)
 *     .replay("CartTest.CHECK.run(%s)")
 *     .build();
 *
 * CHECK.run(42L);                 // one seeded schedule
 * CHECK.runSeeds(1, 1000);        // seeds 1 to 1000
 * }</pre>
 *
 * <p>A failure is a {@link ScheduleFailure}: the check, the site, the step, the seed, the schedule
 * as a numbered trace, each site's documents, and a line that replays it. A seeded schedule that
 * fails is shrunk first (steps left out while it still fails the same check), and the replay line
 * names the steps kept. Under jqwik, {@code ClusterArbitraries} draws schedules and jqwik shrinks
 * them. Immutable and thread-safe; each run builds its own cluster.
 *
 * @param <O> the application's operation type (a record prints well in traces)
 */
public final class ClusterCheck<O> {
  /** Most runs the shrinking of a failed seeded schedule makes. */
  public static final int MAX_SHRINK_RUNS = 300;

  /** Runs one application operation at a site, through its peer. */
  @FunctionalInterface
  public interface Operation<O> {
    /** Applies {@code op} at {@code site}; a throw fails the run (it is the application's bug). */
    void apply(Meridian site, O op) throws Exception;
  }

  /** Checks one site; fails by throwing (an assertion, or any exception). */
  @FunctionalInterface
  public interface SiteCheck {
    /** Throws if {@code site} breaks the check. */
    void check(Meridian site) throws Exception;
  }

  /** Checks the converged state, with the history of the run. */
  @FunctionalInterface
  public interface ConvergedCheck<O> {
    /** Throws if the converged {@code site} (every site is equal to it) breaks the check. */
    void check(Meridian site, List<Applied<O>> history) throws Exception;
  }

  /**
   * One operation that ran.
   *
   * @param step its index in the schedule
   * @param site where it ran
   * @param op the operation
   * @param wrote whether it wrote anything (minted events)
   * @param survived whether every write it made is in the converged state (a crash before its
   *     fsync loses it, with {@link Durability#ASYNC})
   */
  public record Applied<O>(int step, int site, O op, boolean wrote, boolean survived) {}

  /**
   * What a passing run did.
   *
   * @param seed the cluster seed
   * @param steps steps in the schedule
   * @param applied operations that ran (the others found their site down)
   * @param lost operations whose writes a crash lost
   * @param convergedAfterMillis virtual time from the end of the faults to convergence
   * @param framesSent frames over the simulated network
   * @param trace a hash of the run's events in order (equal for two runs of one schedule)
   */
  public record Result(long seed, int steps, int applied, int lost, long convergedAfterMillis,
      long framesSent, long trace) {}

  /** A check with the name its failures carry. */
  record Named<C>(String name, C check) {}

  final Operation<O> operation;
  private final int sites;
  private final int operations;
  private final Function<Random, O> ops;
  private final Durability durability;
  private final Path dataRoot;
  final List<Named<SiteCheck>> invariants;
  final List<Named<ConvergedCheck<O>>> converged;
  final String replay;
  final long stepMillis;

  private ClusterCheck(Builder<O> b) {
    this.stepMillis = b.stepMillis;
    this.operation = b.operation;
    this.sites = b.sites;
    this.operations = b.operations;
    this.ops = b.ops;
    this.durability = b.durability;
    this.dataRoot = b.dataRoot;
    this.invariants = List.copyOf(b.invariants);
    this.converged = List.copyOf(b.converged);
    this.replay = b.replay;
  }

  /** A check of the operations {@code operation} runs; the builder adds the rest. */
  public static <O> Builder<O> of(Operation<O> operation) {
    return new Builder<>(Objects.requireNonNull(operation, "operation"));
  }

  /** The number of sites of each run's cluster. */
  public int sites() {
    return sites;
  }

  /** The schedule of {@code seed}: {@link Schedule#random} with this check's sizes. */
  public Schedule<O> schedule(long seed) {
    if (ops == null) {
      throw new IllegalStateException("no operation generator: set operations(count, generator)");
    }
    return Schedule.random(seed, sites, operations, ops);
  }

  /**
   * Runs the schedule of {@code seed}; if it fails, shrinks it and throws the failure of the
   * smallest schedule found.
   *
   * @throws ScheduleFailure if a check fails
   */
  public Result run(long seed) {
    Schedule<O> full = schedule(seed);
    try {
      return runUnshrunk(full, "" + seed + "L");
    } catch (ScheduleFailure f) {
      throw shrink(seed, full, f);
    }
  }

  /**
   * Runs the steps {@code kept} (as {@code "0-3,7"}) of the schedule of {@code seed}: the replay of
   * a shrunk failure, as its message gives it.
   */
  public Result run(long seed, String kept) {
    Schedule<O> full = schedule(seed);
    List<Step<O>> steps = new ArrayList<>();
    for (int i : StepRanges.parse(kept)) {
      steps.add(full.steps().get(i));
    }
    return runUnshrunk(new Schedule<>(full.seed(), sites, steps),
        seed + "L, \"" + kept + "\"");
  }

  /** Runs seeds {@code first} to {@code first + count - 1}; the first failure throws. */
  public List<Result> runSeeds(long first, int count) {
    List<Result> out = new ArrayList<>(count);
    for (long s = first; s < first + count; s++) {
      out.add(run(s));
    }
    return out;
  }

  /**
   * Runs {@code schedule} as it is (no shrinking: under jqwik, jqwik shrinks).
   *
   * @throws ScheduleFailure if a check fails
   * @throws IllegalArgumentException if the schedule is for another number of sites
   */
  public Result run(Schedule<O> schedule) {
    return runUnshrunk(schedule, null);
  }

  private Result runUnshrunk(Schedule<O> schedule, String replayArgs) {
    if (schedule.sites() != sites) {
      throw new IllegalArgumentException("a schedule for " + schedule.sites()
          + " sites, in a check of " + sites);
    }
    Cluster.Builder cb = Cluster.builder().sites(sites).seed(schedule.seed())
        .durability(durability);
    if (dataRoot != null) {
      cb.dataRoot(dataRoot);
    }
    try (Cluster cluster = cb.build()) {
      return new ScheduleRun<>(this, cluster, schedule, replayArgs).go();
    }
  }

  /**
   * Shrinks a failed seeded schedule: leaves out runs of steps (halves, then quarters, down to
   * single steps) while the rest still fails the same check, within {@link #MAX_SHRINK_RUNS} runs.
   */
  private ScheduleFailure shrink(long seed, Schedule<O> full, ScheduleFailure first) {
    List<Integer> kept = new ArrayList<>();
    for (int i = 0; i < full.steps().size(); i++) {
      kept.add(i);
    }
    ScheduleFailure best = first;
    int runs = 0;
    int chunk = Math.max(1, kept.size() / 2);
    while (chunk >= 1 && runs < MAX_SHRINK_RUNS) {
      boolean progress = false;
      for (int from = 0; from < kept.size() && runs < MAX_SHRINK_RUNS; ) {
        int to = Math.min(kept.size(), from + chunk);
        List<Integer> candidate = new ArrayList<>(kept.subList(0, from));
        candidate.addAll(kept.subList(to, kept.size()));
        runs++;
        ScheduleFailure f = failureOf(seed, full, candidate);
        if (f != null && f.check().equals(first.check())) {
          kept = candidate;
          best = f;
          progress = true; // same position: the next chunk moved into it
        } else {
          from = to;
        }
      }
      if (!progress) {
        chunk /= 2;
      }
    }
    return best.noted("  shrunk from " + full.steps().size() + " to " + kept.size()
        + " steps in " + runs + " runs (steps " + StepRanges.format(kept) + " of seed " + seed
        + "); the whole schedule: " + String.format(java.util.Locale.ROOT, replay, seed + "L"));
  }

  private ScheduleFailure failureOf(long seed, Schedule<O> full, List<Integer> kept) {
    List<Step<O>> steps = new ArrayList<>();
    for (int i : kept) {
      steps.add(full.steps().get(i));
    }
    try {
      runUnshrunk(new Schedule<>(full.seed(), sites, steps),
          seed + "L, \"" + StepRanges.format(kept) + "\"");
      return null;
    } catch (ScheduleFailure f) {
      return f;
    }
  }

  /** How to build a {@link ClusterCheck}. */
  public static final class Builder<O> {
    final Operation<O> operation;
    private int sites = 3;
    private int operations = 50;
    private Function<Random, O> ops;
    private Durability durability = Durability.DURABLE;
    private Path dataRoot;
    private final List<Named<SiteCheck>> invariants = new ArrayList<>();
    private final List<Named<ConvergedCheck<O>>> converged = new ArrayList<>();
    private String replay = "check.run(%s)";
    private long stepMillis = Cluster.STEP_MILLIS;

    private Builder(Operation<O> operation) {
      this.operation = operation;
    }

    /** The number of sites (default 3). */
    public Builder<O> sites(int n) {
      if (n < 1 || n > 16) {
        throw new IllegalArgumentException("a cluster has 1 to 16 sites: " + n);
      }
      this.sites = n;
      return this;
    }

    /** Seeded schedules hold {@code count} operations drawn by {@code generator} (default 50). */
    public Builder<O> operations(int count, Function<Random, O> generator) {
      if (count < 0) {
        throw new IllegalArgumentException("operations cannot be negative: " + count);
      }
      this.operations = count;
      this.ops = Objects.requireNonNull(generator, "generator");
      return this;
    }

    /**
     * Virtual time between two steps, in milliseconds (default {@link Cluster#STEP_MILLIS}); 0
     * makes consecutive operations at different sites concurrent even on a calm network.
     */
    public Builder<O> stepMillis(long millis) {
      if (millis < 0) {
        throw new IllegalArgumentException("step time cannot be negative: " + millis);
      }
      this.stepMillis = millis;
      return this;
    }

    /** When local writes are durable (see {@link Cluster}); default {@link Durability#DURABLE}. */
    public Builder<O> durability(Durability d) {
      this.durability = Objects.requireNonNull(d, "durability");
      return this;
    }

    /** Where the clusters' data directories go (default: {@link Cluster.Builder#dataRoot}'s). */
    public Builder<O> dataRoot(Path dir) {
      this.dataRoot = Objects.requireNonNull(dir, "dir");
      return this;
    }

    /** An invariant: checked at every site that is up, after every step and once converged. */
    public Builder<O> invariant(String name, SiteCheck check) {
      invariants.add(new Named<>(Objects.requireNonNull(name, "name"),
          Objects.requireNonNull(check, "check")));
      return this;
    }

    /** A property of the converged state, checked at every site with the run's history. */
    public Builder<O> whenConverged(String name, ConvergedCheck<O> check) {
      converged.add(new Named<>(Objects.requireNonNull(name, "name"),
          Objects.requireNonNull(check, "check")));
      return this;
    }

    /**
     * A sequential model: once converged, {@code actual} of every site must equal {@code expected}
     * of the operations that wrote and survived, in schedule order (a fold over them, typically).
     */
    public <V> Builder<O> model(String name, Function<List<O>, V> expected,
        Function<Meridian, V> actual) {
      Objects.requireNonNull(expected, "expected");
      Objects.requireNonNull(actual, "actual");
      return whenConverged(name, (site, history) -> {
        List<O> survived = new ArrayList<>();
        for (Applied<O> a : history) {
          if (a.wrote() && a.survived()) {
            survived.add(a.op());
          }
        }
        V want = expected.apply(survived);
        V got = actual.apply(site);
        if (!Objects.equals(want, got)) {
          throw new AssertionError("the model says " + want + ", the site shows " + got);
        }
      });
    }

    /**
     * How a failure's replay line reads: a format with one {@code %s} for the arguments of {@link
     * #run(long)} or {@link #run(long, String)}, for example {@code "CartTest.CHECK.run(%s)"}.
     */
    public Builder<O> replay(String format) {
      this.replay = Objects.requireNonNull(format, "format");
      return this;
    }

    /** The check. */
    public ClusterCheck<O> build() {
      return new ClusterCheck<>(this);
    }
  }
}
