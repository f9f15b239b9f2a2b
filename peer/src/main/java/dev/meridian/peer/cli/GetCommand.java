package dev.meridian.peer.cli;

import dev.meridian.peer.proto.Conflict;
import dev.meridian.peer.proto.DocumentsGrpc;
import dev.meridian.peer.proto.GetRequest;
import dev.meridian.peer.proto.GetResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meridian get KEY}: prints one document's JSON on standard output (pretty unless {@code
 * --compact}) and a note per conflicting path on standard error; an absent or deleted document is
 * exit code 1.
 */
@Command(name = "get", mixinStandardHelpOptions = true, version = Main.VERSION,
    parameterListHeading = "%nArguments:%n", optionListHeading = "%nOptions:%n",
    sortOptions = false,
    description = {
        "Prints a document as JSON.",
        "",
        "Paths that hold concurrent values are noted on standard error (the JSON shows",
        "the value that wins). Exits with 1 if there is no such document.",
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  meridian get users/ada",
        "  meridian get --compact users/ada | jq .name",
        "  meridian get --peer db2.example.net:7400 --tls-ca ca.pem users/ada",
    })
final class GetCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "KEY", description = "The document's key.")
  String key;

  @Option(names = "--compact", description = "Print the JSON on one line.")
  boolean compact;

  @Override
  void validate() {
    checkKey(key);
  }

  @Override
  int run(DocumentsGrpc.DocumentsBlockingStub stub) {
    GetResponse r = withDeadline(stub).get(GetRequest.newBuilder().setKey(key).build());
    if (!r.getFound()) {
      err().println("meridian: no document '" + key + "'");
      return Main.FAILED;
    }
    out().println(Json.format(r.getJson(), compact));
    for (Conflict c : r.getConflictsList()) {
      err().println("note: concurrent values at " + c.getPath() + ": "
          + String.join(", ", c.getValuesJsonList()));
    }
    return Main.OK;
  }
}
