package dev.meridian.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.peer.proto.DocumentsGrpc;
import dev.meridian.peer.proto.GetRequest;
import dev.meridian.peer.proto.Increment;
import dev.meridian.peer.proto.Operation;
import dev.meridian.peer.proto.Set;
import dev.meridian.peer.proto.UpdateBatchRequest;
import dev.meridian.peer.proto.UpdateBatchResponse;
import dev.meridian.peer.proto.UpdateRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** UpdateBatch and request ids over a real socket, against a real store. */
class UpdateBatchTest {
  @TempDir
  Path dir;

  private Meridian peer;
  private ManagedChannel channel;
  private DocumentsGrpc.DocumentsBlockingStub api;

  @BeforeEach
  void start() throws Exception {
    peer = Meridian.builder().dataDir(dir).site("test").listen("127.0.0.1:0").open();
    channel = Grpc.newChannelBuilder(peer.listenAddress(), InsecureChannelCredentials.create())
        .build();
    api = DocumentsGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    peer.close();
  }

  private static UpdateRequest incr(String key, long n, String id) {
    return UpdateRequest.newBuilder().setKey(key).setRequestId(id).addOperations(Operation
        .newBuilder().setIncrement(Increment.newBuilder().setPath("n").setAmount(n))).build();
  }

  private String json(String key) {
    return api.get(GetRequest.newBuilder().setKey(key).build()).getJson();
  }

  @Test
  void aRetriedUpdateWithItsRequestIdAppliesOnce() {
    api.update(incr("c", 5, "req-1"));
    api.update(incr("c", 5, "req-1")); // the retry after a lost reply: answered, not applied
    assertEquals("{\"n\":5}", json("c"));
    api.update(incr("c", 5, "req-2"));
    api.update(incr("c", 5, ""));
    api.update(incr("c", 5, ""));
    assertEquals("{\"n\":20}", json("c"), "updates without an id, or with new ids, all apply");
  }

  @Test
  void aRequestIdReusedForAnotherUpdateIsRefused() {
    api.update(incr("c", 1, "same"));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> api.update(incr("c", 2, "same")));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().contains("request_id 'same'"),
        e.getStatus().getDescription());
    assertEquals("{\"n\":1}", json("c"));
    StatusRuntimeException tooLong = assertThrows(StatusRuntimeException.class,
        () -> api.update(incr("c", 1, "x".repeat(RequestIds.MAX_ID_LENGTH + 1))));
    assertEquals(Status.Code.INVALID_ARGUMENT, tooLong.getStatus().getCode());
    assertEquals("{\"n\":1}", json("c"));
  }

  @Test
  void aBatchAppliesEachUpdateOnItsOwnAndReportsEach() {
    UpdateRequest bad = UpdateRequest.newBuilder().setKey("b").addOperations(Operation.newBuilder()
        .setSet(Set.newBuilder().setPath("x").setValueJson("{not json"))).build();
    UpdateRequest returning = incr("a", 2, "").toBuilder().setReturnDocument(true).build();
    UpdateBatchResponse r = api.updateBatch(UpdateBatchRequest.newBuilder()
        .addUpdates(incr("a", 1, "")).addUpdates(bad).addUpdates(returning)
        .addUpdates(incr("a", 1, "id-b")).addUpdates(incr("a", 1, "id-b")).build());
    assertEquals(5, r.getResultsCount());
    assertEquals(0, r.getResults(0).getCode());
    assertEquals(Status.Code.INVALID_ARGUMENT.value(), r.getResults(1).getCode());
    assertTrue(r.getResults(1).getError().contains("JSON") || r.getResults(1).getError()
        .contains("json"), r.getResults(1).getError());
    assertEquals(0, r.getResults(2).getCode());
    // Read once it is durable: it holds this update, and may hold later ones of the batch.
    assertTrue(java.util.List.of("{\"n\":3}", "{\"n\":4}").contains(r.getResults(2).getJson()),
        r.getResults(2).getJson());
    assertEquals(0, r.getResults(3).getCode());
    assertEquals(0, r.getResults(4).getCode());
    assertEquals("{\"n\":4}", json("a"), "the repeated request id applied once");
    assertEquals("{}", json("b"), "the refused update wrote nothing");
  }

  @Test
  void aBatchOfTooManyUpdatesIsRefusedWhole() {
    UpdateBatchRequest.Builder b = UpdateBatchRequest.newBuilder();
    for (int i = 0; i <= DocumentsService.MAX_BATCH; i++) {
      b.addUpdates(incr("k" + i, 1, ""));
    }
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> api.updateBatch(b.build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("{}", json("k0"));
    assertThrows(StatusRuntimeException.class,
        () -> api.updateBatch(UpdateBatchRequest.getDefaultInstance()));
    UpdateBatchRequest.Builder max = UpdateBatchRequest.newBuilder();
    for (int i = 0; i < DocumentsService.MAX_BATCH; i++) {
      max.addUpdates(incr("k" + i, 1, ""));
    }
    UpdateBatchResponse r = api.updateBatch(max.build());
    assertEquals(DocumentsService.MAX_BATCH, r.getResultsCount());
    assertEquals("{\"n\":1}", json("k9999"));
  }
}
