package dev.meridian.peer.cli;

import dev.meridian.peer.proto.DocumentsGrpc;
import dev.meridian.peer.proto.WatchEvent;
import dev.meridian.peer.proto.WatchRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.Iterator;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meridian watch [PREFIX]}: prints one line per change, {@code ORIGIN KEY [JSON]}, flushed
 * as it arrives, until interrupted or the peer ends the stream.
 */
@Command(name = "watch", mixinStandardHelpOptions = true, version = Main.VERSION,
    parameterListHeading = "%nArguments:%n", optionListHeading = "%nOptions:%n",
    sortOptions = false,
    description = {
        "Prints changes to documents as they happen, one line each: ORIGIN KEY [JSON].",
        "",
        "ORIGIN is local (a write at this peer) or remote (received from another peer);",
        "JSON, with --documents, is the document after the change, on one line.",
        "With --cursors each line starts with the watcher's cursor after that change;",
        "--since CURSOR resumes there: first every document changed since, as",
        "`resumed KEY` (one line per document), then a note on standard error, then",
        "live changes.",
        "Watches keys that start with PREFIX until interrupted (Ctrl-C). If the",
        "peer shuts down, the stream ends with UNAVAILABLE (exit 3, as for an",
        "unreachable peer); a watcher that falls too far behind is dropped by the",
        "peer (RESOURCE_EXHAUSTED, exit 1).",
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  meridian watch",
        "  meridian watch users/ --documents",
        "  meridian watch orders/ | grep '^remote '",
        "  meridian watch carts/ --cursors",
        "  meridian watch carts/ --cursors --since CURSOR",
    })
final class WatchCommand extends ClientCommand {
  @Parameters(index = "0", arity = "0..1", paramLabel = "PREFIX", defaultValue = "",
      description = "Only keys that start with this (default: all keys).")
  String prefix = "";

  @Option(names = "--documents", description = "Print each document after the change.")
  boolean documents;

  @Option(names = "--cursors", description = "Start each line with the cursor after it.")
  boolean cursors;

  @Option(names = "--since", paramLabel = "CURSOR",
      description = "Resume from a cursor an earlier watch printed (see --cursors).")
  String since = "";

  @Override
  int run(DocumentsGrpc.DocumentsBlockingStub stub) {
    // No deadline: the stream lasts until interrupted. An unreachable peer fails the first hasNext.
    Iterator<WatchEvent> events = stub.watch(WatchRequest.newBuilder()
        .setPrefix(prefix).setIncludeDocuments(documents).setSince(since).build());
    PrintWriter out = out();
    long seen = 0;
    try {
      while (events.hasNext()) {
        WatchEvent e = events.next();
        if (e.getCaughtUp()) {
          err().println("meridian: caught up with the changes since the cursor; live changes"
              + " follow" + (cursors ? " (cursor " + e.getCursor() + ")" : ""));
          err().flush();
          continue;
        }
        out.println(cursors ? e.getCursor() + " " + line(e, documents) : line(e, documents));
        out.flush();
        seen++;
      }
    } catch (StatusRuntimeException e) {
      if (seen == 0 || e.getStatus().getCode() != Status.Code.UNAVAILABLE) {
        throw e;
      }
      // It was reached: say the watch ended rather than that the peer cannot be reached.
      err().println("meridian: the watch on " + address() + " ended after " + seen + " change"
          + (seen == 1 ? "" : "s") + ": " + describe(e.getStatus()));
      return Main.UNREACHABLE;
    }
    return Main.OK;
  }

  /** {@code ORIGIN KEY}, then the document on one line if {@code documents}. */
  static String line(WatchEvent e, boolean documents) {
    String origin;
    switch (e.getOrigin()) {
      case LOCAL:
        origin = "local";
        break;
      case REMOTE:
        origin = "remote";
        break;
      case RESUMED:
        origin = "resumed";
        break;
      default:
        origin = "unknown";
        break;
    }
    String line = origin + " " + e.getKey();
    return documents ? line + " " + Json.format(e.getJson(), true) : line;
  }
}
