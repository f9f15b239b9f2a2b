package dev.meridian.peer.testkit;

/**
 * A schedule broke a check: the message names the check, the site and the step, the seed, the
 * line of Java that replays the run, the schedule's trace (shrunk, when it came from a seed) and
 * each site's documents.
 */
public final class ScheduleFailure extends AssertionError {
  private static final long serialVersionUID = 1L;

  private final transient Schedule<?> schedule;
  private final int step;
  private final String check;
  private final String headline;
  private final String details;

  ScheduleFailure(String headline, String details, Schedule<?> schedule, int step, String check,
      Throwable cause) {
    super(headline + "\n" + details, cause);
    this.headline = headline;
    this.details = details;
    this.schedule = schedule;
    this.step = step;
    this.check = check;
  }

  /** The same failure with {@code note} as its second line. */
  ScheduleFailure noted(String note) {
    return new ScheduleFailure(headline + "\n" + note, details, schedule, step, check, getCause());
  }

  /** The schedule that failed (after shrinking, if it was shrunk). */
  public Schedule<?> schedule() {
    return schedule;
  }

  /** The step after which the check failed; the number of steps if it failed once converged. */
  public int step() {
    return step;
  }

  /** The name of the check that failed. */
  public String check() {
    return check;
  }
}
