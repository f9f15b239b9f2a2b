package dev.meridian.nemesis;

import java.util.List;

/**
 * Starts and ends each {@link Nemesis} on a victim daemon: partitions through {@link Net};
 * kills, pauses and clock skews through {@link Daemons}; a full disk through {@link DiskFull}.
 */
final class Faults {
  /** How far ahead the clock-skew nemesis sets a daemon's wall clock. */
  static final long SKEW_SECONDS = 300;

  private final Net net;
  private final Daemons daemons;
  private final DiskFull disk;
  private final List<String> findings;

  /** {@code disk} is null when the disk-full nemesis does not run. */
  Faults(Net net, Daemons daemons, DiskFull disk, List<String> findings) {
    this.net = net;
    this.daemons = daemons;
    this.disk = disk;
    this.findings = findings;
  }

  /** Starts fault {@code n} on {@code victim}; returns what {@link #heal} needs of it, or null. */
  Object inject(Nemesis n, int victim) throws Exception {
    switch (n) {
      case PARTITION_ONE, PARTITION_HALVES, PARTITION_BRIDGE, PARTITION_RING ->
          net.partition(n.reach(daemons.size(), victim));
      case KILL -> {
        daemons.expectDown(victim);
        daemons.node(victim).kill();
      }
      case PAUSE -> daemons.node(victim).pause();
      case CLOCK_SKEW -> {
        // libfaketime at start only: the daemon is stopped (SIGTERM) and started skewed.
        daemons.expectDown(victim);
        daemons.node(victim).stop();
        daemons.node(victim).start(SKEW_SECONDS);
        daemons.upAgain(victim);
      }
      case DISK_FULL -> {
        return disk.fill();
      }
      case MIX -> throw new IllegalArgumentException("mix is made of the others");
    }
    return null;
  }

  /** Ends fault {@code n} on {@code victim}, given what {@link #inject} returned. */
  void heal(Nemesis n, int victim, Object state) throws Exception {
    switch (n) {
      case PARTITION_ONE, PARTITION_HALVES, PARTITION_BRIDGE, PARTITION_RING -> net.heal();
      case KILL -> daemons.restart(victim);
      case PAUSE -> daemons.node(victim).resume();
      case CLOCK_SKEW -> {
        daemons.expectDown(victim);
        daemons.node(victim).stop();
        daemons.restart(victim);
      }
      case DISK_FULL -> disk.free((long[]) state, daemons, findings);
      case MIX -> throw new IllegalArgumentException("mix is made of the others");
    }
  }
}
