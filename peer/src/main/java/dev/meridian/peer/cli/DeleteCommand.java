package dev.meridian.peer.cli;

import dev.meridian.peer.proto.DeleteRequest;
import dev.meridian.peer.proto.DeleteResponse;
import dev.meridian.peer.proto.DocumentsGrpc;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code meridian delete KEY}: deletes one document (observed-remove). Deleting an absent
 * document succeeds, with a note on standard error.
 */
@Command(name = "delete", mixinStandardHelpOptions = true, version = Main.VERSION,
    parameterListHeading = "%nArguments:%n", optionListHeading = "%nOptions:%n",
    sortOptions = false,
    description = {
        "Deletes a document.",
        "",
        "Removes every value this peer has seen in the document; concurrent writes at",
        "other peers that this peer had not seen survive. Deleting a document that does",
        "not exist succeeds, with a note on standard error.",
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  meridian delete users/ada",
    })
final class DeleteCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "KEY", description = "The document's key.")
  String key;

  @Override
  void validate() {
    checkKey(key);
  }

  @Override
  int run(DocumentsGrpc.DocumentsBlockingStub stub) {
    DeleteResponse r = withDeadline(stub).delete(DeleteRequest.newBuilder().setKey(key).build());
    if (!r.getExisted()) {
      err().println("note: no document '" + key + "'; nothing deleted");
    }
    return Main.OK;
  }
}
