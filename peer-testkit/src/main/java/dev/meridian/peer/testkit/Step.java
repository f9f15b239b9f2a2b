package dev.meridian.peer.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One step of a {@link Schedule}: an application operation at a site, or a fault of the network,
 * a site or a clock. Each prints as one line of the schedule's trace. A step that cannot apply (an
 * operation at a site that is down, the restart of a site that is up) does nothing.
 *
 * @param <O> the application's operation type
 */
public sealed interface Step<O> {
  /** {@code op} runs at {@code site} through that site's {@code Meridian}. */
  record Op<O>(int site, O op) implements Step<O> {
    /** Checks the site index. */
    public Op {
      checkSite(site);
      Objects.requireNonNull(op, "op");
    }

    @Override
    public String toString() {
      return "s" + site + ": " + op;
    }
  }

  /**
   * The network splits: sites with equal group numbers reach each other, others do not (a
   * partition of every site into one group is no partition).
   */
  record Partition<O>(List<Integer> groups) implements Step<O> {
    /** Copies the groups. */
    public Partition {
      groups = List.copyOf(groups);
    }

    @Override
    public String toString() {
      TreeMap<Integer, List<String>> sides = new TreeMap<>();
      for (int i = 0; i < groups.size(); i++) {
        sides.computeIfAbsent(groups.get(i), g -> new ArrayList<>()).add("s" + i);
      }
      StringBuilder sb = new StringBuilder("partition");
      for (List<String> side : sides.values()) {
        sb.append(' ').append(side);
      }
      return sb.toString();
    }
  }

  /** The network heals: every site reaches every other. */
  record Heal<O>() implements Step<O> {
    @Override
    public String toString() {
      return "heal";
    }
  }

  /** {@code site} loses power: what it had not fsynced is lost, and every stream breaks. */
  record Crash<O>(int site) implements Step<O> {
    /** Checks the site index. */
    public Crash {
      checkSite(site);
    }

    @Override
    public String toString() {
      return "crash s" + site;
    }
  }

  /** {@code site} starts again on what its disk kept (nothing if it is up). */
  record Restart<O>(int site) implements Step<O> {
    /** Checks the site index. */
    public Restart {
      checkSite(site);
    }

    @Override
    public String toString() {
      return "restart s" + site;
    }
  }

  /**
   * From now on each frame is lost with chance {@code drop} and, if not lost, arrives twice with
   * chance {@code duplicate}; each takes {@code minDelayMillis} to {@code maxDelayMillis} (uniform,
   * so frames overtake each other).
   */
  record Network<O>(double drop, double duplicate, long minDelayMillis, long maxDelayMillis)
      implements Step<O> {
    /** Checks the ranges. */
    public Network {
      if (!(drop >= 0 && drop < 1 && duplicate >= 0 && duplicate < 1)) {
        throw new IllegalArgumentException("drop and duplicate are chances in [0, 1): " + drop
            + ", " + duplicate);
      }
      if (minDelayMillis < 0 || maxDelayMillis < minDelayMillis) {
        throw new IllegalArgumentException("delays must satisfy 0 <= min <= max: "
            + minDelayMillis + ", " + maxDelayMillis);
      }
    }

    @Override
    public String toString() {
      return String.format(java.util.Locale.ROOT, "network drop %.0f%% duplicate %.0f%% delay %d-%d ms",
          drop * 100, duplicate * 100, minDelayMillis, maxDelayMillis);
    }
  }

  /** {@code site}'s wall clock reads {@code millis} ahead of true (virtual) time, or behind. */
  record Skew<O>(int site, long millis) implements Step<O> {
    /** Checks the site index. */
    public Skew {
      checkSite(site);
    }

    @Override
    public String toString() {
      return "skew s" + site + " " + (millis >= 0 ? "+" : "") + millis + " ms";
    }
  }

  /** Virtual time passes: replication runs, nothing else happens. */
  record Wait<O>(long millis) implements Step<O> {
    /** Checks the length. */
    public Wait {
      if (millis < 0) {
        throw new IllegalArgumentException("a wait cannot be negative: " + millis);
      }
    }

    @Override
    public String toString() {
      return "wait " + millis + " ms";
    }
  }

  /** The highest site index this step names, or -1. */
  default int maxSite() {
    if (this instanceof Op<O> o) {
      return o.site();
    } else if (this instanceof Crash<O> c) {
      return c.site();
    } else if (this instanceof Restart<O> r) {
      return r.site();
    } else if (this instanceof Skew<O> s) {
      return s.site();
    } else if (this instanceof Partition<O> p) {
      return p.groups().size() - 1;
    }
    return -1;
  }

  private static void checkSite(int site) {
    if (site < 0) {
      throw new IllegalArgumentException("a site index cannot be negative: " + site);
    }
  }
}
