package dev.meridian.nemesis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The test network: one network namespace per daemon ({@code mnem0}, {@code mnem1}, ...), each
 * with a veth pair whose outer end is a port of the bridge {@code mnembr} in the root namespace.
 * Daemons get 10.77.0.11, .12, ...; the bridge (the clients' side) 10.77.0.1. Every address is
 * inside these namespaces and this bridge, created here and removed by {@link #close()}. Partitions
 * are nftables rules inside the namespaces ({@code table inet nemesis}), dropping packets to and
 * from the daemons cut off; the clients' address is never dropped.
 *
 * <p>Where namespaces cannot be made (not root, no {@code ip} or {@code nft}), {@link #open} returns
 * a loopback network: daemons on 127.0.0.11, .12, ... and no partitions.
 */
final class Net implements AutoCloseable {
  /*
   * Names are fixed (prefix mnem), so a crashed run's leftovers are recognised and removed by the
   * next run: NemesisRun holds a file lock for the whole run, so whatever carries these names when
   * the lock is taken belongs to a run that is gone.
   */
  private static final Logger log = LoggerFactory.getLogger(Net.class);
  static final String PREFIX = "mnem";
  static final String BRIDGE = "mnembr";
  static final String CLIENT_ADDRESS = "10.77.0.1";
  private static final Pattern OUR_NS = Pattern.compile("^(" + PREFIX + "\\d+)\\b", Pattern.MULTILINE);

  private final int nodes;
  private final boolean namespaces;

  private Net(int nodes, boolean namespaces) {
    this.nodes = nodes;
    this.namespaces = namespaces;
  }

  /** Why namespaces cannot be used here, or null if they can. */
  static String namespacesUnavailable() {
    if (!"root".equals(System.getProperty("user.name"))) {
      return "not root";
    }
    if (!Sh.run("ip", "-V").ok()) {
      return "no `ip` (iproute2)";
    }
    if (!Sh.run("nft", "--version").ok()) {
      return "no `nft` (nftables)";
    }
    Sh.Result probe = Sh.run("ip", "netns", "add", PREFIX + "probe");
    Sh.run("ip", "netns", "del", PREFIX + "probe");
    return probe.ok() ? null : "`ip netns add` failed: " + probe.output();
  }

  /**
   * Removes whatever a previous run left (namespaces named mnemN and their processes, the bridge,
   * veths). Call with the run lock held.
   */
  static void cleanLeftovers() {
    if (Sh.run("ip", "-V").ok()) {
      removeAll(true);
    }
  }

  /** A network of {@code nodes} namespaces on a bridge, or of loopback addresses if unavailable. */
  static Net open(int nodes, boolean wantNamespaces) {
    if (!wantNamespaces) {
      return new Net(nodes, false);
    }
    Net net = new Net(nodes, true);
    try {
      Sh.check("ip", "link", "add", BRIDGE, "type", "bridge");
      Sh.check("ip", "addr", "add", CLIENT_ADDRESS + "/24", "dev", BRIDGE);
      Sh.check("ip", "link", "set", BRIDGE, "up");
      for (int i = 0; i < nodes; i++) {
        String ns = namespace(i);
        Sh.check("ip", "netns", "add", ns);
        Sh.check("ip", "link", "add", veth(i), "type", "veth", "peer", "name", "mn" + i, "netns", ns);
        Sh.check("ip", "link", "set", veth(i), "master", BRIDGE);
        Sh.check("ip", "link", "set", veth(i), "up");
        Sh.check("ip", "-n", ns, "addr", "add", address(true, i) + "/24", "dev", "mn" + i);
        Sh.check("ip", "-n", ns, "link", "set", "mn" + i, "up");
        Sh.check("ip", "-n", ns, "link", "set", "lo", "up");
      }
      return net;
    } catch (RuntimeException e) {
      net.close();
      throw e;
    }
  }

  static String namespace(int i) {
    return PREFIX + i;
  }

  private static String veth(int i) {
    return "mnv" + i;
  }

  static String address(boolean namespaces, int i) {
    return (namespaces ? "10.77.0." : "127.0.0.") + (11 + i);
  }

  boolean namespaces() {
    return namespaces;
  }

  /** The address daemon {@code i} listens on. */
  String address(int i) {
    return address(namespaces, i);
  }

  /** The command prefix that runs a program inside daemon {@code i}'s namespace. */
  List<String> exec(int i) {
    return namespaces ? List.of("ip", "netns", "exec", namespace(i)) : List.of();
  }

  /**
   * Cuts the network so that node {@code i} reaches exactly the nodes in {@code reach.get(i)}
   * (itself and the clients always). Replaces any earlier partition.
   */
  void partition(List<Set<Integer>> reach) {
    requireNamespaces();
    for (int i = 0; i < nodes; i++) {
      List<String> cut = new ArrayList<>();
      for (int j = 0; j < nodes; j++) {
        if (j != i && !reach.get(i).contains(j)) {
          cut.add(address(j));
        }
      }
      StringBuilder rules = new StringBuilder();
      rules.append("table inet nemesis\ndelete table inet nemesis\ntable inet nemesis {\n");
      rules.append(" chain in { type filter hook input priority 0; policy accept;\n");
      if (!cut.isEmpty()) {
        rules.append("  ip saddr { ").append(String.join(", ", cut)).append(" } drop\n");
      }
      rules.append(" }\n chain out { type filter hook output priority 0; policy accept;\n");
      if (!cut.isEmpty()) {
        rules.append("  ip daddr { ").append(String.join(", ", cut)).append(" } drop\n");
      }
      rules.append(" }\n}\n");
      Sh.Result r = Sh.runWithInput(rules.toString(), Sh.with(exec(i), "nft", "-f", "-"));
      if (!r.ok()) {
        throw new IllegalStateException("nft in " + namespace(i) + " failed: " + r.output());
      }
    }
  }

  /** Removes every partition rule. */
  void heal() {
    if (!namespaces) {
      return;
    }
    for (int i = 0; i < nodes; i++) {
      Sh.run(Sh.with(exec(i), "nft", "delete", "table", "inet", "nemesis"));
    }
  }

  private void requireNamespaces() {
    if (!namespaces) {
      throw new IllegalStateException("partitions need network namespaces");
    }
  }

  /** Removes the namespaces (killing what still runs in them), the veths and the bridge. */
  @Override
  public void close() {
    if (!namespaces) {
      return;
    }
    removeAll(false);
  }

  private static void removeAll(boolean warn) {
    Matcher m = OUR_NS.matcher(Sh.run("ip", "netns", "list").output());
    List<String> ours = new ArrayList<>();
    while (m.find()) {
      ours.add(m.group(1));
    }
    for (String ns : ours) {
      for (String pid : Sh.run("ip", "netns", "pids", ns).output().split("\\s+", -1)) {
        if (pid.matches("\\d+")) {
          Sh.run("kill", "-KILL", pid);
        }
      }
      Sh.run("ip", "netns", "del", ns);
      if (warn) {
        log.warn("removed namespace {} left by an earlier run", ns);
      }
    }
    if (Sh.run("ip", "link", "show", BRIDGE).ok()) {
      Sh.run("ip", "link", "del", BRIDGE);
      if (warn) {
        log.warn("removed bridge {} left by an earlier run", BRIDGE);
      }
    }
    for (int i = 0; i < 16; i++) {
      if (Sh.run("ip", "link", "show", veth(i)).ok()) {
        Sh.run("ip", "link", "del", veth(i));
      }
    }
  }

  /** Writes the current rules of every namespace into {@code file} (for a failed run's report). */
  void dumpRules(Path file) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int i = 0; namespaces && i < nodes; i++) {
      b.append("# ").append(namespace(i)).append('\n')
          .append(Sh.run(Sh.with(exec(i), "nft", "list", "ruleset")).output()).append('\n');
    }
    Files.writeString(file, b);
  }
}
