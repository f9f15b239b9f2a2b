package dev.meridian.peer;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.HybridClock;
import dev.meridian.crdt.doc.Document;
import dev.meridian.peer.proto.UpdateRequest;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;

/**
 * Coverage-guided fuzzing (Jazzer) of the client API's input handling: an UpdateRequest's
 * operations are checked ({@link DocumentsService#operation}: paths, JSON values) and applied to a
 * document that holds one value of every type, as the service does. Every failure must map to a
 * status in our words ({@link DocumentsService#status}): INVALID_ARGUMENT or FAILED_PRECONDITION
 * with a message that names no library internals. An INTERNAL status (an exception we did not
 * expect) or a library's own text is a finding.
 *
 * <p>An input is a serialized UpdateRequest (bytes that do not parse are skipped: gRPC refuses
 * them before the service). Stored inputs: {@code ClientInputFuzzTestInputs/operations}; see
 * docs/fuzzing.md.
 */
class ClientInputFuzzTest {
  private static final FuzzRuns RUNS = new FuzzRuns("peer ClientInputFuzzTest");
  /** Words of the libraries' own messages, which must not reach a client. */
  private static final List<String> FOREIGN = List.of("gson", "jsonreader", "setstrictness",
      "malformedjson", "com.google", "java.lang", "protobuf");

  @AfterAll
  static void enoughInputs() {
    RUNS.check();
  }

  @FuzzTest(maxDuration = "5m")
  void operations(byte[] input) {
    RUNS.count();
    UpdateRequest request;
    try {
      request = UpdateRequest.parseFrom(input);
    } catch (InvalidProtocolBufferException e) {
      return;
    }
    Document doc = Document.create(Replica.resume(ReplicaId.of(77), 0,
        new HybridClock(() -> 1_000L)));
    doc.set("name", "Ada");
    doc.increment("n", 2);
    doc.add("tags", "x");
    doc.enable("f");
    doc.putMap("m", Map.of("k", 1L));
    doc.insert("l", 0, "a");
    doc.insertText("t", 0, "hello");
    try {
      List<Function<Document, Document>> ops = new ArrayList<>();
      for (int i = 0; i < Math.min(request.getOperationsCount(), 16); i++) {
        ops.add(DocumentsService.operation(i, request.getOperations(i)));
      }
      if (!ops.isEmpty()) {
        Meridian.applyAll(doc, ops);
        doc.toJson();
      }
    } catch (RuntimeException e) {
      Status s = DocumentsService.status(e).getStatus();
      if (s.getCode() != Status.Code.INVALID_ARGUMENT
          && s.getCode() != Status.Code.FAILED_PRECONDITION) {
        throw new AssertionError("a client's update fails with " + s, e);
      }
      String text = String.valueOf(s.getDescription());
      String lower = text.toLowerCase(Locale.ROOT);
      String echoed = new String(input, java.nio.charset.StandardCharsets.ISO_8859_1)
          .toLowerCase(Locale.ROOT);
      for (String w : FOREIGN) {
        if (lower.contains(w) && !echoed.contains(w)) { // a message may quote the client's text
          throw new AssertionError("a client sees a library's words (" + w + "): " + text, e);
        }
      }
    }
  }
}
