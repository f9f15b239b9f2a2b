package dev.meridian.peer.cli;

import dev.meridian.peer.proto.DocumentsGrpc;
import dev.meridian.peer.proto.PeerStatus;
import dev.meridian.peer.proto.StatusRequest;
import dev.meridian.peer.proto.StatusResponse;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code meridian status}: the peer's identity, its documents, and a table of its replication
 * streams; {@code --json} prints the whole response as one JSON object instead.
 */
@Command(name = "status", mixinStandardHelpOptions = true, version = Main.VERSION,
    parameterListHeading = "%nArguments:%n", optionListHeading = "%nOptions:%n",
    sortOptions = false,
    description = {
        "Prints the peer's identity, documents and replication streams.",
        "",
        "Site, replica id, listen address, number of documents, size on disk, local",
        "writes, configured peers, and a table of replication streams: the peer's",
        "replica id, address, direction, state, lag (writes it has not acknowledged)",
        "and when it was last heard from.",
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  meridian status",
        "  meridian status --json | jq '.peers[] | select(.state != \"OPEN\")'",
    })
final class StatusCommand extends ClientCommand {
  @Option(names = "--json",
      description = "Print the response as JSON: every field, named as in the proto "
          + "(lowerCamelCase), 64-bit numbers as JSON numbers.")
  boolean json;

  @Override
  int run(DocumentsGrpc.DocumentsBlockingStub stub) {
    StatusResponse r = withDeadline(stub).status(StatusRequest.getDefaultInstance());
    if (json) {
      out().println(Json.pretty(ProtoJson.toJson(r)));
    } else {
      print(r, out());
    }
    return Main.OK;
  }

  /** The human-readable status. */
  static void print(StatusResponse r, PrintWriter out) {
    out.println("site:              " + orDash(r.getSite()));
    out.println("replica id:        " + orDash(r.getReplicaId()));
    out.println("listen address:    " + orDash(r.getListenAddress()));
    out.println("documents:         " + r.getDocuments());
    out.println("size on disk:      " + bytes(r.getSizeOnDisk()));
    out.println("local writes:      " + r.getLocalWrites());
    out.println("configured peers:  " + (r.getConfiguredPeersCount() == 0
        ? "none" : String.join(", ", r.getConfiguredPeersList())));
    out.println();
    if (r.getPeersCount() == 0) {
      out.println("no replication streams");
      return;
    }
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"REPLICA ID", "ADDRESS", "DIRECTION", "STATE", "LAG",
        "LAST CONTACT"});
    for (PeerStatus p : r.getPeersList()) {
      rows.add(new String[] {orDash(p.getReplicaId()), orDash(p.getAddress()),
          p.getOutbound() ? "outbound" : "inbound", orDash(p.getState()),
          p.getLag() < 0 ? "-" : Long.toString(p.getLag()), ago(p.getLastContactMillisAgo())});
    }
    table(rows, out);
  }

  /** {@code rows} in left-aligned columns two spaces apart, without trailing spaces. */
  static void table(List<String[]> rows, PrintWriter out) {
    int[] widths = new int[rows.get(0).length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(row[i]);
        if (i < row.length - 1) {
          line.append(" ".repeat(widths[i] - row[i].length() + 2));
        }
      }
      out.println(line.toString().stripTrailing());
    }
  }

  /** A byte count for people: {@code 1.5 MiB (1572864 bytes)}, or {@code 512 bytes}. */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " bytes";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = n;
    int u = -1;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s (%d bytes)", v, units[u], n);
  }

  /** Milliseconds ago for people: {@code never}, {@code 350ms ago}, {@code 4.2s ago}, ... */
  static String ago(long millis) {
    if (millis < 0) {
      return "never";
    }
    if (millis < 1000) {
      return millis + "ms ago";
    }
    if (millis < 60_000) {
      return String.format(Locale.ROOT, "%.1fs ago", millis / 1000.0);
    }
    if (millis < 3_600_000) {
      return (millis / 60_000) + "m" + (millis % 60_000 / 1000) + "s ago";
    }
    return (millis / 3_600_000) + "h" + (millis % 3_600_000 / 60_000) + "m ago";
  }

  private static String orDash(String s) {
    return s.isEmpty() ? "-" : s;
  }
}
