package dev.meridian.peer.cli;

import com.google.protobuf.Message;
import dev.meridian.peer.proto.DeleteRequest;
import dev.meridian.peer.proto.DeleteResponse;
import dev.meridian.peer.proto.DocumentsGrpc;
import dev.meridian.peer.proto.GetRequest;
import dev.meridian.peer.proto.GetResponse;
import dev.meridian.peer.proto.ListRequest;
import dev.meridian.peer.proto.ListResponse;
import dev.meridian.peer.proto.StatusRequest;
import dev.meridian.peer.proto.StatusResponse;
import dev.meridian.peer.proto.UpdateRequest;
import dev.meridian.peer.proto.UpdateResponse;
import dev.meridian.peer.proto.WatchEvent;
import dev.meridian.peer.proto.WatchRequest;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A {@code Documents} service for CLI tests: records every request and answers with canned
 * responses, or fails every unary call with {@link #failWith}, or never answers if {@link
 * #silent}.
 */
final class FakeDocuments extends DocumentsGrpc.DocumentsImplBase {
  /** Every request received, in order. */
  final List<Message> requests = new CopyOnWriteArrayList<>();

  volatile Status failWith;
  volatile boolean silent;
  volatile GetResponse get = GetResponse.newBuilder().setFound(true).setJson("{}").build();
  volatile UpdateResponse update = UpdateResponse.getDefaultInstance();
  volatile DeleteResponse delete = DeleteResponse.newBuilder().setExisted(true).build();
  /** List pages by request page token; an unknown token fails with INVALID_ARGUMENT. */
  final Map<String, ListResponse> pages = new ConcurrentHashMap<>();
  volatile StatusResponse status = StatusResponse.getDefaultInstance();
  /** Writes the watch stream; the default sends nothing and completes. */
  volatile Consumer<StreamObserver<WatchEvent>> watch = StreamObserver::onCompleted;

  /** The requests of one type, in order. */
  <T extends Message> List<T> requests(Class<T> type) {
    List<T> out = new ArrayList<>();
    for (Message m : requests) {
      if (type.isInstance(m)) {
        out.add(type.cast(m));
      }
    }
    return out;
  }

  @Override
  public void get(GetRequest request, StreamObserver<GetResponse> out) {
    answer(request, get, out);
  }

  @Override
  public void update(UpdateRequest request, StreamObserver<UpdateResponse> out) {
    answer(request, update, out);
  }

  @Override
  public void delete(DeleteRequest request, StreamObserver<DeleteResponse> out) {
    answer(request, delete, out);
  }

  @Override
  public void list(ListRequest request, StreamObserver<ListResponse> out) {
    ListResponse page = pages.get(request.getPageToken());
    if (page == null && failWith == null && !silent) {
      requests.add(request);
      out.onError(Status.INVALID_ARGUMENT.withDescription("bad page token").asRuntimeException());
      return;
    }
    answer(request, page, out);
  }

  @Override
  public void watch(WatchRequest request, StreamObserver<WatchEvent> out) {
    requests.add(request);
    if (failWith != null) {
      out.onError(failWith.asRuntimeException());
      return;
    }
    watch.accept(out);
  }

  @Override
  public void status(StatusRequest request, StreamObserver<StatusResponse> out) {
    answer(request, status, out);
  }

  private <T> void answer(Message request, T response, StreamObserver<T> out) {
    requests.add(request);
    if (silent) {
      return;
    }
    if (failWith != null) {
      out.onError(failWith.asRuntimeException());
      return;
    }
    out.onNext(response);
    out.onCompleted();
  }
}
