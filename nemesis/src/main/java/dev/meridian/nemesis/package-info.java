/**
 * Real {@code meridian peer} daemons under real faults, checked the way Jepsen checks a database:
 * each daemon runs in its own network namespace on a Linux bridge, clients in the root namespace
 * run set, counter, register and text workloads at once, nemeses partition the network (nftables
 * rules inside the namespaces), kill and restart daemons, pause them, skew one daemon's clock and
 * fill one daemon's disk, and checkers compare what the daemons hold at the end with what the
 * clients were told. {@link dev.meridian.nemesis.NemesisRun} runs one suite and writes a report and
 * a timeline picture.
 */
package dev.meridian.nemesis;
