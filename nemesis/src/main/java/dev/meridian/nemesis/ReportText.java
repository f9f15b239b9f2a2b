package dev.meridian.nemesis;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The text of a run's {@code report.txt}: the setup, the phases run, each workload's counts and
 * check, the convergence and repair times, the disk-full verdict, skipped nemeses, findings, and
 * the errors the clients saw.
 */
final class ReportText {
  private ReportText() {}

  /** The report of run {@code r} with options {@code o}. */
  static String render(NemesisRun.Options o, NemesisRun.Report r, List<Workload> workloads) {
    StringBuilder b = new StringBuilder();
    b.append(String.format("daemons %d (%s), seed %d, fault %d s, settle %d s%s%n", o.nodes(),
        r.namespaces() ? "network namespaces 10.77.0.0/24" : "loopback 127.0.0.x",
        o.seed(), o.fault().toSeconds(), o.settle().toSeconds(),
        o.soak().isZero() ? "" : ", soak " + o.soak().toMinutes() + " min"));
    b.append("phases: ").append(String.join(", ", r.phasesRun())).append('\n');
    b.append(String.format("%-9s %9s %9s %9s %6s  %s%n", "workload", "acked", "unknown", "failed",
        "lost", "check"));
    for (Workload.Check c : r.checks()) {
      long[] n = r.counts().getOrDefault(c.workload(), new long[3]); // none: no client ran it
      b.append(String.format("%-9s %9d %9d %9d %6d  %s%n", c.workload(), n[0], n[1], n[2],
          c.lost(), c.ok() ? "ok" : "FAILED"));
      for (String v : c.violations()) {
        b.append("    ").append(v).append('\n');
      }
    }
    b.append(String.format("converged %.2f s after the last heal (limit %d s; clients stopped at"
        + " that heal)%n", r.convergeSeconds(), o.convergeLimit().toSeconds()));
    b.append("repair after each heal (markers written at every daemon just before the heal, until"
        + " every daemon holds them):\n");
    for (Repairs.Repair p : r.repairs()) {
      b.append(String.format("  %-17s healed %6.1fs  %s  (%d markers)%n", p.phase(), p.healedAt(),
          p.seconds() < 0 ? "NOT within " + Repairs.WAIT.toSeconds() + " s"
              : String.format("%5.2f s", p.seconds()), p.marks()));
    }
    b.append(String.format("slowest repair (disk-full excluded): %s%n", r.slowestRepair() < 0
        ? "one never completed" : String.format("%.2f s", r.slowestRepair())));
    DiskFull.Verdict d = r.disk();
    if (d == null) {
      b.append("disk-full: not run\n");
    } else if (d.resumed()) {
      b.append(String.format("disk-full: WRITES RESUMED at n%d %.1f s after space returned, without"
          + " a restart%n", d.node(), d.seconds()));
    } else {
      b.append(String.format("disk-full: WRITES DID NOT RESUME at n%d within %d s after space"
          + " returned (last answer: %s); the harness restarted it, and the run fails%n",
          d.node(), DiskFull.RESUME_WAIT.toSeconds(), d.after()));
    }
    b.append("skipped nemeses: ").append(r.skipped().isEmpty() ? "none" : r.skipped()).append('\n');
    b.append("findings:\n");
    for (String f : r.findings()) {
      b.append("  - ").append(f).append('\n');
    }
    b.append("errors seen by clients (node, status, message: count):\n");
    Map<String, Long> errors = new TreeMap<>();
    for (Workload w : workloads) {
      w.errors.forEach((k, v) -> errors.merge(k, v, Long::sum));
    }
    errors.forEach((k, v) -> b.append("  ").append(k).append(": ").append(v).append('\n'));
    b.append("timeline: ").append(r.png()).append('\n');
    return b.toString();
  }
}
