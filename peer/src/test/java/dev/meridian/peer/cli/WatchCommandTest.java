package dev.meridian.peer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.peer.cli.FakePeer.Result;
import dev.meridian.peer.proto.WatchEvent;
import dev.meridian.peer.proto.WatchRequest;
import io.grpc.Status;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

class WatchCommandTest {
  @AutoClose
  private final FakePeer peer = FakePeer.startQuietly();

  @Test
  void watch_printsOneLinePerEvent() {
    peer.service.watch = out -> {
      out.onNext(event("users/ada", WatchEvent.Origin.LOCAL, "{\"a\":1}"));
      out.onNext(event("users/bob", WatchEvent.Origin.REMOTE, "{}"));
      out.onNext(event("users/cy", WatchEvent.Origin.ORIGIN_UNSPECIFIED, ""));
      out.onCompleted();
    };

    Result r = peer.cli("watch", "users/");

    assertEquals(0, r.code(), r::toString);
    assertEquals("local users/ada\nremote users/bob\nunknown users/cy\n", r.out());
    assertEquals(List.of(WatchRequest.newBuilder().setPrefix("users/").build()),
        peer.service.requests);
  }

  @Test
  void watch_documents_compactJsonOnTheLine() {
    peer.service.watch = out -> {
      out.onNext(event("users/ada", WatchEvent.Origin.REMOTE, "{\n \"a\": [1, 2]\n}"));
      out.onCompleted();
    };

    Result r = peer.cli("watch", "--documents");

    assertEquals(0, r.code(), r::toString);
    assertEquals("remote users/ada {\"a\":[1,2]}\n", r.out());
    assertEquals(List.of(WatchRequest.newBuilder().setPrefix("").setIncludeDocuments(true)
        .build()), peer.service.requests);
  }

  @Test
  void watch_flushesEachLineAsItArrives() throws Exception {
    CountDownLatch firstSeen = new CountDownLatch(1);
    peer.service.watch = out -> {
      out.onNext(event("a", WatchEvent.Origin.LOCAL, ""));
      try {
        // The second event only comes once the first line has been flushed.
        if (!firstSeen.await(10, TimeUnit.SECONDS)) {
          out.onError(Status.DEADLINE_EXCEEDED.withDescription("first line not flushed")
              .asRuntimeException());
          return;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      out.onNext(event("b", WatchEvent.Origin.LOCAL, ""));
      out.onCompleted();
    };
    FlushedWriter flushed = new FlushedWriter();
    StringWriter err = new StringWriter();
    CompletableFuture<Integer> code = CompletableFuture.supplyAsync(() -> Main.run(Map.of(),
        new PrintWriter(flushed), new PrintWriter(err), "watch", "--peer", peer.address()));

    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!flushed.text().contains("local a") && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertEquals("local a\n", flushed.text().replace(System.lineSeparator(), "\n"));
    firstSeen.countDown();

    assertEquals(0, code.get(10, TimeUnit.SECONDS), err::toString);
    assertEquals("local a\nlocal b\n", flushed.text().replace(System.lineSeparator(), "\n"));
  }

  @Test
  void watch_droppedByThePeer_exit1AfterTheEventsSoFar() {
    peer.service.watch = out -> {
      out.onNext(event("a", WatchEvent.Origin.LOCAL, ""));
      out.onError(Status.RESOURCE_EXHAUSTED.withDescription("watcher fell behind")
          .asRuntimeException());
    };

    Result r = peer.cli("watch");

    assertEquals(1, r.code(), r::toString);
    assertEquals("local a\n", r.out());
    assertEquals("meridian: RESOURCE_EXHAUSTED: watcher fell behind\n", r.err());
  }

  @Test
  void watch_peerGoneAfterEvents_saysTheWatchEnded_exit3() {
    peer.service.watch = out -> {
      out.onNext(event("a", WatchEvent.Origin.LOCAL, ""));
      out.onError(Status.UNAVAILABLE.withDescription("the peer is shutting down")
          .asRuntimeException());
    };

    Result r = peer.cli("watch");

    assertEquals(3, r.code(), r::toString);
    assertEquals("local a\n", r.out());
    assertEquals("meridian: the watch on " + peer.address()
        + " ended after 1 change: the peer is shutting down\n", r.err());
  }

  @Test
  void watch_unreachable_exit3() throws Exception {
    Result r = FakePeer.run("watch", "--peer", "127.0.0.1:" + FakePeer.unusedPort());

    assertEquals(3, r.code(), r::toString);
    assertTrue(r.err().startsWith("meridian: cannot reach peer at 127.0.0.1:"), r::toString);
  }

  private static WatchEvent event(String key, WatchEvent.Origin origin, String json) {
    return WatchEvent.newBuilder().setKey(key).setOrigin(origin).setJson(json).build();
  }

  /** A writer whose text only shows what has been flushed. */
  private static final class FlushedWriter extends Writer {
    private final StringBuilder pending = new StringBuilder();
    private final StringBuilder flushed = new StringBuilder();

    @Override
    public synchronized void write(char[] buf, int off, int len) {
      pending.append(buf, off, len);
    }

    @Override
    public synchronized void flush() {
      flushed.append(pending);
      pending.setLength(0);
    }

    @Override
    public void close() {}

    synchronized String text() {
      return flushed.toString();
    }
  }
}
