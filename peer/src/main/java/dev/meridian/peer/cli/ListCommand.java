package dev.meridian.peer.cli;

import dev.meridian.peer.proto.DocumentsGrpc;
import dev.meridian.peer.proto.ListRequest;
import dev.meridian.peer.proto.ListResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meridian list [PREFIX]}: prints keys, one per line, in ascending order. One page unless
 * {@code --all}; when more keys follow a page, the token to continue from goes to standard error.
 */
@Command(name = "list", mixinStandardHelpOptions = true, version = Main.VERSION,
    parameterListHeading = "%nArguments:%n", optionListHeading = "%nOptions:%n",
    sortOptions = false,
    description = {
        "Lists document keys, one per line, in ascending order.",
        "",
        "Lists the keys that start with PREFIX, one page at a time; if more follow, a",
        "note on standard error gives the token for the next page. With --all, follows",
        "the pages to the end. Deleted documents are not listed.",
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  meridian list",
        "  meridian list users/ --limit 10",
        "  meridian list users/ --limit 10 --page-token TOKEN",
        "  meridian list --all | wc -l",
    })
final class ListCommand extends ClientCommand {
  /** The largest page the API serves. */
  static final int MAX_PAGE = 1000;

  @Parameters(index = "0", arity = "0..1", paramLabel = "PREFIX", defaultValue = "",
      description = "Only keys that start with this (default: all keys).")
  String prefix = "";

  @Option(names = "--limit", paramLabel = "N", defaultValue = "100",
      description = "Keys per page, 1 to " + MAX_PAGE + " (default: ${DEFAULT-VALUE}).")
  int limit = 100;

  @Option(names = "--all", description = "Follow the pages: print every key.")
  boolean all;

  @Option(names = "--page-token", paramLabel = "TOKEN",
      description = "Start from the page this token names (from a previous list).")
  String pageToken = "";

  @Override
  void validate() {
    if (limit < 1 || limit > MAX_PAGE) {
      throw usage("--limit must be from 1 to " + MAX_PAGE + ", not " + limit);
    }
  }

  @Override
  int run(DocumentsGrpc.DocumentsBlockingStub stub) {
    String token = pageToken;
    while (true) {
      ListResponse page = withDeadline(stub).list(ListRequest.newBuilder()
          .setPrefix(prefix).setPageSize(limit).setPageToken(token).build());
      for (String key : page.getKeysList()) {
        out().println(key);
      }
      out().flush();
      String nextToken = page.getNextPageToken();
      if (nextToken.isEmpty()) {
        return Main.OK;
      }
      if (!all) {
        err().println("note: more keys follow; continue with --page-token " + nextToken
            + " (or use --all)");
        return Main.OK;
      }
      if (nextToken.equals(token)) {
        err().println("meridian: the peer returned the same page token twice; stopping");
        return Main.FAILED;
      }
      token = nextToken;
    }
  }
}
