package dev.meridian.peer;

import dev.meridian.crdt.doc.KeyedDelta;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.peer.proto.AddElement;
import dev.meridian.peer.proto.DeleteRequest;
import dev.meridian.peer.proto.DocumentsGrpc;
import dev.meridian.peer.proto.GetRequest;
import dev.meridian.peer.proto.GetResponse;
import dev.meridian.peer.proto.Increment;
import dev.meridian.peer.proto.ListInsert;
import dev.meridian.peer.proto.ListRequest;
import dev.meridian.peer.proto.ListResponse;
import dev.meridian.peer.proto.Operation;
import dev.meridian.peer.proto.Set;
import dev.meridian.peer.proto.StatusRequest;
import dev.meridian.peer.proto.StatusResponse;
import dev.meridian.peer.proto.TextInsert;
import dev.meridian.peer.proto.UpdateRequest;
import dev.meridian.peer.proto.WatchEvent;
import dev.meridian.peer.proto.WatchRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The client API over a real socket, against a real store. */
class DocumentsServiceTest {
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

  private static Operation set(String path, String json) {
    return Operation.newBuilder().setSet(Set.newBuilder().setPath(path).setValueJson(json)).build();
  }

  private static Operation incr(String path, long n) {
    return Operation.newBuilder()
        .setIncrement(Increment.newBuilder().setPath(path).setAmount(n)).build();
  }

  private String json(String key) {
    return api.get(GetRequest.newBuilder().setKey(key).build()).getJson();
  }

  private StatusRuntimeException refused(Status.Code code, UpdateRequest r) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> api.update(r));
    assertEquals(code, e.getStatus().getCode(), e.getStatus().toString());
    return e;
  }

  @Test
  void update_everyOperationKind_thenGet() {
    api.update(UpdateRequest.newBuilder().setKey("doc")
        .addOperations(set("name", "\"Ada\""))
        .addOperations(set("profile", "{\"city\":\"London\",\"born\":1815}"))
        .addOperations(incr("visits", 3))
        .addOperations(Operation.newBuilder().setAdd(
            AddElement.newBuilder().setPath("tags").setElementJson("\"math\"")))
        .addOperations(Operation.newBuilder().setEnable(
            dev.meridian.peer.proto.Enable.newBuilder().setPath("active")))
        .addOperations(Operation.newBuilder().setListInsert(
            ListInsert.newBuilder().setPath("todos").setIndex(0).setValueJson("\"milk\"")))
        .addOperations(Operation.newBuilder().setTextInsert(
            TextInsert.newBuilder().setPath("notes").setIndex(0).setText("Hello")))
        .build());
    assertEquals("{\"active\":true,\"name\":\"Ada\",\"notes\":\"Hello\",\"profile\":{\"born\":1815,"
        + "\"city\":\"London\"},\"tags\":[\"math\"],\"todos\":[\"milk\"],\"visits\":3}", json("doc"));

    String after = api.update(UpdateRequest.newBuilder().setKey("doc").setReturnDocument(true)
        .addOperations(Operation.newBuilder().setRemove(
            dev.meridian.peer.proto.RemoveKey.newBuilder().setPath("profile")))
        .addOperations(Operation.newBuilder().setDisable(
            dev.meridian.peer.proto.Disable.newBuilder().setPath("active")))
        .addOperations(Operation.newBuilder().setRemoveElement(
            dev.meridian.peer.proto.RemoveElement.newBuilder().setPath("tags")
                .setElementJson("\"math\"")))
        .addOperations(Operation.newBuilder().setListDelete(
            dev.meridian.peer.proto.ListDelete.newBuilder().setPath("todos").setIndex(0)
                .setCount(1)))
        .addOperations(Operation.newBuilder().setTextDelete(
            dev.meridian.peer.proto.TextDelete.newBuilder().setPath("notes").setIndex(4)
                .setCount(1)))
        .build()).getJson();
    // A disabled flag, an emptied set and an emptied list hold no value, so they do not show.
    assertEquals("{\"name\":\"Ada\",\"notes\":\"Hell\",\"visits\":3}", after);
    assertEquals(after, json("doc"));
  }

  @Test
  void badRequests_areRefusedWithAReason_andChangeNothing() {
    api.update(UpdateRequest.newBuilder().setKey("k").addOperations(incr("n", 1)).build());
    String before = json("k");

    // An operation of a kind this peer does not know arrives as an empty oneof.
    StatusRuntimeException unknown = refused(Status.Code.INVALID_ARGUMENT, UpdateRequest
        .newBuilder().setKey("k").addOperations(set("ok", "1"))
        .addOperations(Operation.getDefaultInstance()).build());
    assertTrue(unknown.getStatus().getDescription().contains("operation 2"),
        unknown.getStatus().getDescription());

    StatusRuntimeException badJson = refused(Status.Code.INVALID_ARGUMENT, UpdateRequest
        .newBuilder().setKey("k").addOperations(set("name", "Ada")).build());
    assertTrue(badJson.getStatus().getDescription().contains("invalid JSON"),
        badJson.getStatus().getDescription());
    assertTrue(badJson.getStatus().getDescription().contains("\"Ada\""),
        "hint to quote strings: " + badJson.getStatus().getDescription());

    StatusRuntimeException trailing = refused(Status.Code.INVALID_ARGUMENT, UpdateRequest
        .newBuilder().setKey("k").addOperations(set("x", "{\"a\":1} x")).build());
    assertTrue(trailing.getStatus().getDescription().contains("JSON"));

    StatusRuntimeException badPath = refused(Status.Code.INVALID_ARGUMENT, UpdateRequest
        .newBuilder().setKey("k").addOperations(set("a..b", "1")).build());
    assertTrue(badPath.getStatus().getDescription().contains("a..b"));

    // A path through a counter: the document's content refuses it. The first operation, valid
    // on its own, is not applied either.
    StatusRuntimeException clash = refused(Status.Code.FAILED_PRECONDITION, UpdateRequest
        .newBuilder().setKey("k").addOperations(set("name", "\"x\""))
        .addOperations(set("n.inner", "1")).build());
    assertTrue(clash.getStatus().getDescription().contains("'n'"),
        clash.getStatus().getDescription());

    refused(Status.Code.FAILED_PRECONDITION, UpdateRequest.newBuilder().setKey("k")
        .addOperations(Operation.newBuilder().setListDelete(
            dev.meridian.peer.proto.ListDelete.newBuilder().setPath("nolist").setIndex(3)
                .setCount(1)))
        .build());
    refused(Status.Code.INVALID_ARGUMENT, UpdateRequest.newBuilder().setKey("k").build());
    refused(Status.Code.INVALID_ARGUMENT,
        UpdateRequest.newBuilder().setKey("").addOperations(incr("n", 1)).build());

    // An array inside an object is a set of scalars: an object in it is refused up front, by name.
    StatusRuntimeException nested = refused(Status.Code.INVALID_ARGUMENT, UpdateRequest
        .newBuilder().setKey("k").addOperations(set("o", "{\"a\":{\"b\":[{\"k\":1}]}}"))
        .build());
    assertEquals("operation 1 (set): the array at 'a.b' holds an object: an array inside an object"
        + " is stored as a set of scalars; build a list of objects with insert",
        nested.getStatus().getDescription());
    refused(Status.Code.INVALID_ARGUMENT, UpdateRequest.newBuilder().setKey("k").addOperations(
        Operation.newBuilder().setListInsert(ListInsert.newBuilder().setPath("l").setIndex(0)
            .setValueJson("[1]"))).build());

    assertEquals(before, json("k"));
    assertEquals(1, peer.metrics().writes(), "a refused update counted as a write");
  }

  @Test
  void get_missing_delete_andList() {
    GetResponse missing = api.get(GetRequest.newBuilder().setKey("none").build());
    assertFalse(missing.getFound());
    assertEquals("{}", missing.getJson());
    for (int i = 0; i < 5; i++) {
      api.update(UpdateRequest.newBuilder().setKey("p/" + i).addOperations(incr("n", 1)).build());
    }
    assertTrue(api.delete(DeleteRequest.newBuilder().setKey("p/2").build()).getExisted());
    assertFalse(api.get(GetRequest.newBuilder().setKey("p/2").build()).getFound());

    List<String> keys = new ArrayList<>();
    String token = "";
    do {
      ListResponse page = api.list(ListRequest.newBuilder().setPrefix("p/").setPageSize(2)
          .setPageToken(token).build());
      keys.addAll(page.getKeysList());
      token = page.getNextPageToken();
    } while (!token.isEmpty());
    assertEquals(List.of("p/0", "p/1", "p/3", "p/4"), keys);
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> api.list(ListRequest.newBuilder().setPageSize(5000).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
  }

  @Test
  void get_reportsConcurrentValues() throws Exception {
    // Two peers write the same register concurrently, then exchange: both values are kept.
    try (Meridian other = Meridian.builder().dataDir(dir.resolve("other")).open()) {
      other.update("c", d -> d.set("v", "theirs")).join();
      peer.update("c", d -> d.set("v", "ours")).join();
      other.update("c", d -> d.set("w", 1)).join();
      // Hand the other peer's document over as a remote delta would arrive.
      StoreReplica r = (StoreReplica) field(peer, "replica");
      r.apply(List.of(dev.meridian.crdt.doc.KeyedDelta.of("c",
          other.get("c").orElseThrow())));
    }
    GetResponse got = api.get(GetRequest.newBuilder().setKey("c").build());
    assertEquals(1, got.getConflictsCount(), got.toString());
    assertEquals("v", got.getConflicts(0).getPath());
    assertEquals(java.util.Set.of("\"theirs\"", "\"ours\""),
        java.util.Set.copyOf(got.getConflicts(0).getValuesJsonList()));
  }

  private static Object field(Object o, String name) throws Exception {
    java.lang.reflect.Field f = o.getClass().getDeclaredField(name);
    f.setAccessible(true);
    return f.get(o);
  }

  @Test
  void watch_streamsChanges_withDocuments() throws Exception {
    Iterator<WatchEvent> events = DocumentsGrpc.newBlockingStub(channel)
        .withDeadlineAfter(20, TimeUnit.SECONDS)
        .watch(WatchRequest.newBuilder().setPrefix("w/").setIncludeDocuments(true).build());
    // The watch is registered when the server has the call; a status round trip orders it.
    Thread.sleep(100);
    api.update(UpdateRequest.newBuilder().setKey("x").addOperations(incr("n", 1)).build());
    api.update(UpdateRequest.newBuilder().setKey("w/1").addOperations(incr("n", 5)).build());
    WatchEvent e = events.next();
    assertEquals("w/1", e.getKey());
    assertEquals(WatchEvent.Origin.LOCAL, e.getOrigin());
    assertEquals("{\"n\":5}", e.getJson());
  }

  @Test
  void watch_cancelledByTheClient_endsTheWatch() throws Exception {
    CountDownLatch got = new CountDownLatch(1);
    var call = DocumentsGrpc.newStub(channel);
    io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation();
    ctx.run(() -> call.watch(WatchRequest.newBuilder().setPrefix("").build(),
        new StreamObserver<WatchEvent>() {
          @Override
          public void onNext(WatchEvent value) {
            got.countDown();
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onCompleted() {}
        }));
    Thread.sleep(100);
    api.update(UpdateRequest.newBuilder().setKey("x").addOperations(incr("n", 1)).build());
    assertTrue(got.await(10, TimeUnit.SECONDS));
    Watches w = (Watches) field(peer, "watches");
    assertEquals(1, w.size());
    ctx.cancel(null);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (w.size() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(0, w.size(), "the server kept a cancelled watch");
  }

  @Test
  void watch_endsWithUnavailableAndAReason_whenThePeerCloses() throws Exception {
    Iterator<WatchEvent> events = DocumentsGrpc.newBlockingStub(channel)
        .withDeadlineAfter(20, TimeUnit.SECONDS)
        .watch(WatchRequest.newBuilder().setPrefix("").build());
    // The call starts at once but registers at the server later; a write before that is not sent.
    Watches w = (Watches) field(peer, "watches");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (w.size() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(1, w.size(), "the watch never registered");
    api.update(UpdateRequest.newBuilder().setKey("x").addOperations(incr("n", 1)).build());
    assertEquals("x", events.next().getKey());
    peer.close();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, events::hasNext);
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode(), e.getStatus().toString());
    assertEquals("the peer is shutting down", e.getStatus().getDescription(),
        "the watch ends with its reason, not a reset stream");
  }

  @Test
  void status_health_andReflection() throws Exception {
    api.update(UpdateRequest.newBuilder().setKey("a").addOperations(incr("n", 1)).build());
    StatusResponse s = api.status(StatusRequest.getDefaultInstance());
    assertEquals("test", s.getSite());
    assertEquals(peer.replicaId(), s.getReplicaId());
    assertEquals(peer.listenAddress(), s.getListenAddress());
    assertEquals(1, s.getDocuments());
    assertEquals(1, s.getLocalWrites());
    assertTrue(s.getSizeOnDisk() > 0);

    HealthCheckResponse h = HealthGrpc.newBlockingStub(channel)
        .check(HealthCheckRequest.newBuilder().build());
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, h.getStatus());

    List<String> services = new ArrayList<>();
    CountDownLatch done = new CountDownLatch(1);
    StreamObserver<ServerReflectionRequest> req = ServerReflectionGrpc.newStub(channel)
        .serverReflectionInfo(new StreamObserver<ServerReflectionResponse>() {
          @Override
          public void onNext(ServerReflectionResponse r) {
            r.getListServicesResponse().getServiceList().forEach(x -> services.add(x.getName()));
          }

          @Override
          public void onError(Throwable t) {
            done.countDown();
          }

          @Override
          public void onCompleted() {
            done.countDown();
          }
        });
    req.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    req.onCompleted();
    assertTrue(done.await(10, TimeUnit.SECONDS));
    assertTrue(services.contains("meridian.peer.v1.Documents"), services.toString());
    assertTrue(services.contains("grpc.health.v1.Health"), services.toString());
  }
}
