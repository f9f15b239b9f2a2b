package dev.meridian.peer.cli;

import dev.meridian.peer.proto.DocumentsGrpc;
import dev.meridian.peer.proto.Operation;
import dev.meridian.peer.proto.UpdateRequest;
import dev.meridian.peer.proto.UpdateResponse;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code meridian update KEY OP...}: applies operations to one document in one {@code Update}
 * call, so they apply all or none. The syntax is {@link OperationSyntax}'s; {@code --json} adds a
 * {@code set} per top-level field, before the operations. Prints nothing unless {@code --print}.
 */
@Command(name = "update", mixinStandardHelpOptions = true, version = Main.VERSION,
    parameterListHeading = "%nArguments:%n", optionListHeading = "%nOptions:%n",
    sortOptions = false,
    description = {
        "Applies operations to a document (created if absent), all or none.",
        "",
        "Operations:",
        "  set PATH JSON                  write a JSON scalar, or an object (a new map)",
        "  incr PATH [N]                  add N (default 1; may be negative) to a counter",
        "  add PATH JSON                  add a JSON scalar to a set",
        "  remove-element PATH JSON       remove a JSON scalar from a set",
        "  enable PATH                    turn a flag on",
        "  disable PATH                   turn a flag off",
        "  remove PATH                    remove the value at PATH, whatever its type",
        "  insert PATH INDEX JSON         insert a JSON scalar or object into a list",
        "  delete-range PATH INDEX COUNT  remove COUNT list elements from INDEX",
        "  insert-text PATH INDEX TEXT    insert TEXT (as is, not JSON) into a text",
        "  delete-text PATH INDEX COUNT   remove COUNT characters (UTF-16) from INDEX",
        "",
        "PATH is dot-separated keys with [n] for list positions, e.g. todos[0].title.",
        "JSON is strict JSON: a string needs its quotes, e.g. '\"Ada\"' in a shell.",
        "Inside an object, objects become maps and arrays sets (sorted, unique).",
        "Put -- before the operations if a value starts with '-' (numbers need not).",
        "Prints nothing on success unless --print.",
    },
    footerHeading = "%nExamples:%n",
    footer = {
        "  meridian update users/ada set name '\"Ada Lovelace\"' set born 1815",
        "  meridian update users/ada incr visits incr credit -5 enable active",
        "  meridian update users/ada add tags '\"math\"' remove-element tags '\"poetry\"'",
        "  meridian update notes/1 insert todos 0 '{\"title\": \"buy milk\"}'",
        "  meridian update notes/1 insert-text body 0 'Dear Charles, '",
        "  meridian update --print users/ada --json '{\"name\": \"Ada\", \"born\": 1815}'",
    })
final class UpdateCommand extends ClientCommand {
  @Parameters(index = "0", paramLabel = "KEY", description = "The document's key.")
  String key;

  @Parameters(index = "1..*", arity = "0..*", paramLabel = "OP",
      description = "Operations, each a name and its arguments (see above).")
  List<String> words = new ArrayList<>();

  @Option(names = "--json", paramLabel = "OBJECT",
      description = "A JSON object: set each top-level field (before the operations).")
  String json;

  @Option(names = "--print",
      description = "Print the document after the update.")
  boolean print;

  @Option(names = "--compact", description = "With --print, print the JSON on one line.")
  boolean compact;

  private UpdateRequest request;

  @Override
  void validate() {
    checkKey(key);
    List<Operation> ops = new ArrayList<>();
    try {
      if (json != null) {
        ops.addAll(OperationSyntax.setFields(json));
      }
      ops.addAll(OperationSyntax.parse(words));
    } catch (OperationSyntax.OperationSyntaxException e) {
      throw usage(e.getMessage());
    }
    if (ops.isEmpty()) {
      throw usage("no operations: give at least one OP (" + OperationSyntax.names()
          + ") or --json");
    }
    request = UpdateRequest.newBuilder()
        .setKey(key)
        .addAllOperations(ops)
        .setReturnDocument(print)
        .build();
  }

  @Override
  int run(DocumentsGrpc.DocumentsBlockingStub stub) {
    UpdateResponse response = withDeadline(stub).update(request);
    if (print) {
      out().println(Json.format(response.getJson(), compact));
    }
    return Main.OK;
  }
}
