package dev.meridian.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.peer.proto.DocumentsGrpc;
import dev.meridian.peer.proto.GetRequest;
import dev.meridian.peer.proto.WatchEvent;
import dev.meridian.peer.proto.WatchRequest;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches of clients that stop reading hold no thread and bounded memory, and are ended with
 * RESOURCE_EXHAUSTED; the limits per connection and in all are enforced at their edge.
 */
class WatchBoundsTest {
  private static final Logger LOG = LoggerFactory.getLogger(WatchBoundsTest.class);
  private static final int BUFFER = 50;

  @TempDir
  Path dir;

  private Meridian peer;
  private Server server;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (ManagedChannel c : channels) {
      c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    peer.close();
  }

  /** A peer without network, served by a client API whose watches buffer {@link #BUFFER} events. */
  private void start() throws Exception {
    peer = Meridian.builder().dataDir(dir).site("watched")
        .durability(dev.meridian.persistence.Durability.ASYNC).open();
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(DocumentsService.definition(new DocumentsService(peer, BUFFER, 1 << 20)))
        .build().start();
  }

  /** A connection whose client reads next to nothing (a 1 KiB flow-control window). */
  private ManagedChannel connection() {
    ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
        .usePlaintext().flowControlWindow(1024).build();
    channels.add(c);
    return c;
  }

  /** A watch whose client requests no message until told; completes with the final status. */
  private static final class Stalled implements ClientResponseObserver<WatchRequest, WatchEvent> {
    final CompletableFuture<Status> status = new CompletableFuture<>();
    volatile ClientCallStreamObserver<WatchRequest> call;
    volatile long received;

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
      call = requestStream;
      requestStream.disableAutoRequestWithInitial(0);
    }

    @Override
    public void onNext(WatchEvent value) {
      received++;
    }

    @Override
    public void onError(Throwable t) {
      status.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      status.complete(Status.OK);
    }
  }

  private static Stalled watch(ManagedChannel c, String prefix) {
    Stalled s = new Stalled();
    DocumentsGrpc.newStub(c).watch(WatchRequest.newBuilder().setPrefix(prefix)
        .setIncludeDocuments(true).build(), s);
    return s;
  }

  private Watches watches() throws Exception {
    java.lang.reflect.Field f = Meridian.class.getDeclaredField("watches");
    f.setAccessible(true);
    return (Watches) f.get(peer);
  }

  private void awaitWatches(int n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (watches().size() != n && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(n, watches().size(), "watches registered");
  }

  @Test
  void watch_thousandClientsThatStopReading_areEndedWithResourceExhausted() throws Exception {
    start();
    List<Stalled> stalled = new ArrayList<>();
    for (int c = 0; c < 10; c++) {
      ManagedChannel channel = connection();
      for (int i = 0; i < 100; i++) {
        stalled.add(watch(channel, "w/"));
      }
    }
    awaitWatches(1_000);
    int threadsBefore = Thread.activeCount();
    String filler = "x".repeat(1_000); // each event carries the ~1 KB document
    long start = System.nanoTime();
    for (int w = 0; w < 400 && watches().size() > 0; w++) {
      int n = w;
      peer.update("w/doc", d -> d.set("v", filler + n)).join();
    }
    awaitWatches(0);
    LOG.info("1,000 stalled watches ended in {} ms; threads {} before the writes, {} after",
        (System.nanoTime() - start) / 1_000_000, threadsBefore, Thread.activeCount());
    assertTrue(Thread.activeCount() < threadsBefore + 20,
        "no thread per watch: " + threadsBefore + " -> " + Thread.activeCount());
    // Other clients are served meanwhile and after.
    DocumentsGrpc.DocumentsBlockingStub other = DocumentsGrpc.newBlockingStub(connection())
        .withDeadlineAfter(10, TimeUnit.SECONDS);
    assertTrue(other.get(GetRequest.newBuilder().setKey("w/doc").build()).getFound());
    for (Stalled s : stalled) {
      s.call.request(Integer.MAX_VALUE); // read what was sent, then the status
    }
    for (Stalled s : stalled) {
      Status st = s.status.get(30, TimeUnit.SECONDS);
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, st.getCode(), st.toString());
      assertTrue(st.getDescription().startsWith("the client fell more than 50 changes"),
          st.getDescription());
    }
  }

  @Test
  void watch_stalledClientsTogether_holdNoMoreThanTheSharedLimit_andAReaderIsServed()
      throws Exception {
    // Each watch may buffer 1,000 events of 8 MiB; all of them together 200 KB.
    peer = Meridian.builder().dataDir(dir).site("watched")
        .durability(dev.meridian.persistence.Durability.ASYNC).open();
    DocumentsService service = new DocumentsService(peer, 1_000, 8 << 20, 200_000);
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(DocumentsService.definition(service)).build().start();
    List<Stalled> stalled = new ArrayList<>();
    for (int c = 0; c < 2; c++) {
      ManagedChannel channel = connection();
      for (int i = 0; i < 10; i++) {
        stalled.add(watch(channel, "w/"));
      }
    }
    ManagedChannel readerChannel = NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
        .usePlaintext().build();
    channels.add(readerChannel);
    java.util.concurrent.atomic.AtomicInteger read = new java.util.concurrent.atomic.AtomicInteger();
    CompletableFuture<Status> readerEnd = new CompletableFuture<>();
    DocumentsGrpc.newStub(readerChannel).watch(WatchRequest.newBuilder().setPrefix("w/")
        .setIncludeDocuments(true).build(), new io.grpc.stub.StreamObserver<WatchEvent>() {
          @Override
          public void onNext(WatchEvent e) {
            read.incrementAndGet();
          }

          @Override
          public void onError(Throwable t) {
            readerEnd.complete(Status.fromThrowable(t));
          }

          @Override
          public void onCompleted() {
            readerEnd.complete(Status.OK);
          }
        });
    awaitWatches(21);
    String filler = "x".repeat(1_000);
    long most = 0;
    for (int w = 0; w < 300; w++) {
      int n = w;
      peer.update("w/doc" + (w % 10), d -> d.set("v", filler + n)).join();
      most = Math.max(most, service.watchBytesBuffered());
      // 200 changes a second: the reader keeps up; the stalled clients' buffers only grow, and
      // when all of them are full the largest is ended.
      Thread.sleep(5);
    }
    assertTrue(most <= 200_000, "held at most the shared limit: " + most);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (read.get() < 300 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(300, read.get(), () -> "the reading watch got every change; it ended: " + readerEnd.getNow(null));
    assertTrue(!readerEnd.isDone(), "the reading watch stays open: " + readerEnd);
    // 20 stalled clients would hold some 1.4 MB: most were ended, each with the reason.
    int ended = 21 - watches().size();
    assertTrue(ended >= 10, ended + " of the 20 stalled watches ended");
    for (Stalled s : stalled) {
      s.call.request(Integer.MAX_VALUE); // read what was sent, then the status
    }
    int told = 0;
    for (Stalled s : stalled) {
      Status st;
      try {
        st = s.status.get(2, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException open) {
        continue; // one of the watches left open
      }
      told++;
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, st.getCode(), st.toString());
      assertTrue(st.getDescription().startsWith("the client fell behind while the watches of "
          + "this peer hold 200000 bytes of changes their clients have not read, the most it "
          + "holds for all of them, and this watch held the most; resume from the last cursor"
          + " sent: "), st.getDescription());
    }
    assertEquals(ended, told, "each ended watch was told why");
    for (Stalled s : stalled) {
      s.call.cancel("done", null);
    }
    awaitWatches(1);
    deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (service.watchBytesBuffered() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(0, service.watchBytesBuffered(), "every ended watch gave its bytes back");
  }

  @Test
  void watch_pastTheLimitPerConnection_isRefused_andAnotherConnectionIsServed() throws Exception {
    start();
    ManagedChannel channel = connection();
    List<Stalled> held = new ArrayList<>();
    for (int i = 0; i < DocumentsService.MAX_WATCHES_PER_CONNECTION; i++) {
      held.add(watch(channel, ""));
    }
    awaitWatches(DocumentsService.MAX_WATCHES_PER_CONNECTION);
    Stalled extra = watch(channel, "");
    extra.call.request(1);
    Status st = extra.status.get(10, TimeUnit.SECONDS);
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, st.getCode());
    assertEquals("this connection holds 100 watches, the most one connection may hold; close one"
        + " first", st.getDescription());
    Stalled elsewhere = watch(connection(), "");
    awaitWatches(DocumentsService.MAX_WATCHES_PER_CONNECTION + 1);
    held.get(0).call.cancel("done", null);
    awaitWatches(DocumentsService.MAX_WATCHES_PER_CONNECTION);
    Stalled again = watch(channel, ""); // a slot freed on this connection
    awaitWatches(DocumentsService.MAX_WATCHES_PER_CONNECTION + 1);
    assertTrue(!again.status.isDone() && !elsewhere.status.isDone());
  }

  @Test
  void add_pastTheTotalLimit_isRefused() throws Exception {
    start();
    Watches w = watches();
    List<Meridian.Watch> all = new ArrayList<>();
    for (int i = 0; i < Watches.MAX_WATCHES; i++) {
      all.add(w.add("p/", null, c -> { }));
    }
    Watches.TooManyWatchesException e = assertThrows(Watches.TooManyWatchesException.class,
        () -> w.add("p/", null, c -> { }));
    assertEquals("this peer holds 10000 watches, the most it serves at once; try later",
        e.getMessage());
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, DocumentsService.status(e).getStatus().getCode());
    all.get(0).close();
    all.add(w.add("p/", null, c -> { }));
    all.forEach(Meridian.Watch::close);
  }
}
