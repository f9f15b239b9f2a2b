package dev.meridian.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.doc.Document;
import dev.meridian.crdt.doc.TypeClashException;
import dev.meridian.persistence.StoreException;
import dev.meridian.peer.proto.GetRequest;
import dev.meridian.peer.proto.GetResponse;
import dev.meridian.peer.proto.Increment;
import dev.meridian.peer.proto.Operation;
import dev.meridian.peer.proto.UpdateRequest;
import dev.meridian.peer.proto.UpdateResponse;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How failures become gRPC statuses, and that a unary reply always ends its call. */
class DocumentsServiceStatusTest {

  @Test
  void status_mapsEachKindOfFailure() {
    assertEquals(Status.Code.INVALID_ARGUMENT,
        DocumentsService.status(new IllegalArgumentException("bad path")).getStatus().getCode());
    Document d = Document.create(Replica.random());
    d.set("n", 1L);
    TypeClashException clash = assertThrows(TypeClashException.class, () -> d.increment("n", 1));
    assertEquals(Status.Code.FAILED_PRECONDITION,
        DocumentsService.status(new CompletionException(clash)).getStatus().getCode());
    assertEquals(Status.Code.UNAVAILABLE, DocumentsService.status(new StoreException(
        StoreException.Reason.FAILED, Path.of("d"), "closed")).getStatus().getCode());
    assertEquals(Status.Code.INTERNAL, DocumentsService.status(new IllegalStateException(
        "replica r is minting dots that the object has already seen")).getStatus().getCode(),
        "a broken replica is not a retryable condition");
    Status bug = DocumentsService.status(new NullPointerException("a bug at Foo.java:12"))
        .getStatus();
    assertEquals(Status.Code.INTERNAL, bug.getCode(), "a bug of ours is not the caller's bad argument");
    assertEquals("the peer failed to handle this request (an error of the peer, not of the "
        + "request: NullPointerException); its log has the details", bug.getDescription(),
        "in our words, without the exception's own text");
  }

  @Test
  void reply_whoseResponseFailsToBuild_endsTheCallWithAnError() {
    Recorder<String> out = new Recorder<>();
    DocumentsService.reply(out, null, () -> {
      throw new IllegalArgumentException("cannot build");
    }, DocumentsService::status);
    assertEquals(List.of(), out.values);
    assertEquals(Status.Code.INVALID_ARGUMENT, Status.fromThrowable(out.error).getCode());
  }

  @Test
  void reply_ofAFailure_orASuccess() {
    Recorder<String> failed = new Recorder<>();
    DocumentsService.reply(failed, new IllegalArgumentException("no"), () -> "unused",
        DocumentsService::status);
    assertEquals(Status.Code.INVALID_ARGUMENT, Status.fromThrowable(failed.error).getCode());
    Recorder<String> ok = new Recorder<>();
    DocumentsService.reply(ok, null, () -> "done", DocumentsService::status);
    assertEquals(List.of("done"), ok.values);
    assertNull(ok.error);
    assertEquals(1, ok.completed);
  }

  @Test
  void calls_toAPeerThatIsShuttingDown_areUnavailable(@TempDir Path dir) throws Exception {
    Meridian peer = Meridian.builder().dataDir(dir).open();
    DocumentsService service = new DocumentsService(peer);
    peer.close();
    Recorder<UpdateResponse> update = new Recorder<>();
    service.update(UpdateRequest.newBuilder().setKey("k").addOperations(Operation.newBuilder()
        .setIncrement(Increment.newBuilder().setPath("n").setAmount(1))).build(), update);
    assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(update.error).getCode());
    assertEquals("the peer is shutting down", Status.fromThrowable(update.error).getDescription());
    Recorder<GetResponse> get = new Recorder<>();
    service.get(GetRequest.newBuilder().setKey("k").build(), get);
    assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(get.error).getCode());
  }

  private static final class Recorder<T> implements StreamObserver<T> {
    final List<T> values = new ArrayList<>();
    Throwable error;
    int completed;

    @Override
    public void onNext(T value) {
      values.add(value);
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {
      completed++;
    }
  }
}
