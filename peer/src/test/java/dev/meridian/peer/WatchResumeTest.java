package dev.meridian.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.peer.proto.DocumentsGrpc;
import dev.meridian.peer.proto.WatchEvent;
import dev.meridian.peer.proto.WatchRequest;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A watch resumed from its cursor over real gRPC: every key changed while the watcher was away
 * (10,000 writes, local and replicated), each once, none it had seen and none outside its prefix,
 * then live changes.
 */
class WatchResumeTest {
  @TempDir Path dir;

  private Meridian peer(String name, List<String> peers) throws Exception {
    return TestPeers.open(dir, name, peers);
  }

  private static io.grpc.stub.StreamObserver<WatchEvent> into(
      LinkedBlockingQueue<WatchEvent> queue) {
    return new io.grpc.stub.StreamObserver<>() {
      @Override
      public void onNext(WatchEvent e) {
        queue.add(e);
      }

      @Override
      public void onError(Throwable t) {}

      @Override
      public void onCompleted() {}
    };
  }

  private static void writeAll(Meridian m, List<String> keys, long value) {
    List<CompletableFuture<?>> all = new ArrayList<>();
    for (String k : keys) {
      all.add(m.update(k, d -> d.set("v", value)));
    }
    CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).join();
  }

  @Test
  void disconnectedWatcher_resumesFromItsCursor_andSeesEveryKeyChangedMeanwhile()
      throws Exception {
    try (Meridian a = peer("a", List.of()); Meridian b = peer("b", List.of(a.listenAddress()))) {
      ManagedChannel channel = Grpc.newChannelBuilder(a.listenAddress(),
          InsecureChannelCredentials.create()).build();
      try {
        DocumentsGrpc.DocumentsBlockingStub api = DocumentsGrpc.newBlockingStub(channel);
        List<String> seenKeys = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          seenKeys.add("w/seen-" + i);
        }
        String cursor;
        LinkedBlockingQueue<WatchEvent> first = new LinkedBlockingQueue<>();
        try (Context.CancellableContext ctx = Context.current().withCancellation()) {
          ctx.run(() -> DocumentsGrpc.newStub(channel).watch(
              WatchRequest.newBuilder().setPrefix("w/").build(), into(first)));
          // The call registers its watch asynchronously: write a probe until it is heard.
          WatchEvent probe = null;
          for (int i = 0; probe == null; i++) {
            assertTrue(i < 200, "the watch never started");
            a.update("w/probe", d -> d.set("v", 1L)).join();
            probe = first.poll(100, TimeUnit.MILLISECONDS);
          }
          writeAll(a, seenKeys, 1);
          Set<String> got = new HashSet<>();
          String last = "";
          while (got.size() < seenKeys.size()) {
            WatchEvent e = first.poll(30, TimeUnit.SECONDS);
            assertTrue(e != null, "events stopped before every seen key came");
            assertFalse(e.getCursor().isEmpty(), "an event without a cursor");
            if (!e.getKey().equals("w/probe")) {
              got.add(e.getKey());
            }
            last = e.getCursor();
          }
          cursor = last;
          ctx.cancel(null); // the watcher goes away
        }

        // 10,000 writes while it is away: 9,000 here (1,500 keys under w/, 300 outside), and
        // 1,000 at the other peer that replicate here.
        TreeSet<String> changed = new TreeSet<>();
        List<String> local = new ArrayList<>();
        List<String> outside = new ArrayList<>();
        for (int i = 0; i < 1_500; i++) {
          local.add("w/k-" + i);
        }
        for (int i = 0; i < 300; i++) {
          outside.add("x/k-" + i);
        }
        for (int round = 0; round < 5; round++) {
          writeAll(a, local, round);
          writeAll(a, outside, round);
        }
        changed.addAll(local);
        List<String> remote = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
          remote.add("w/remote-" + i);
        }
        writeAll(b, remote, 7);
        changed.addAll(remote);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!a.get("w/remote-999").isPresent() || a.list("w/remote-", null, 1000).keys().size()
            < 1_000) {
          assertTrue(System.nanoTime() < deadline, "the remote writes did not arrive");
          Thread.sleep(50);
        }

        try (Context.CancellableContext ctx = Context.current().withCancellation()) {
          Iterator<WatchEvent> resumed = ctx.call(() -> api.watch(
              WatchRequest.newBuilder().setPrefix("w/").setSince(cursor).build()));
          TreeSet<String> caughtUp = new TreeSet<>();
          int events = 0;
          String after = null;
          while (true) {
            WatchEvent e = resumed.next();
            if (e.getCaughtUp()) {
              after = e.getCursor();
              break;
            }
            assertEquals(WatchEvent.Origin.RESUMED, e.getOrigin(), e.toString());
            caughtUp.add(e.getKey());
            events++;
          }
          assertEquals(changed, caughtUp, "the keys changed while the watcher was away");
          assertEquals(changed.size(), events, "one event per changed document");
          assertFalse(after.isEmpty());
          a.update("w/live", d -> d.set("v", 1L)).join();
          WatchEvent live = resumed.next();
          assertEquals("w/live", live.getKey());
          assertEquals(WatchEvent.Origin.LOCAL, live.getOrigin());
          ctx.cancel(null);
        }

        StatusRuntimeException bad = assertThrows(StatusRuntimeException.class, () ->
            api.watch(WatchRequest.newBuilder().setPrefix("w/").setSince("not-a-cursor!")
                .build()).next());
        assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
        assertTrue(bad.getStatus().getDescription().contains("not one a Meridian watch gave out"),
            bad.getStatus().getDescription());
      } finally {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void embeddedWatch_resumesFromAChangesCursor() throws Exception {
    try (Meridian a = Meridian.builder().dataDir(dir.resolve("e")).open()) {
      LinkedBlockingQueue<Change> changes = new LinkedBlockingQueue<>();
      LinkedBlockingQueue<String> caughtUp = new LinkedBlockingQueue<>();
      Watcher collect = new Watcher() {
        @Override
        public void onChange(Change change) {
          changes.add(change);
        }

        @Override
        public void onCaughtUp(String c) {
          caughtUp.add(c);
        }
      };
      String cursor;
      try (Meridian.Watch w = a.watch("", collect)) {
        a.update("one", d -> d.set("v", 1L)).join();
        Change c = changes.poll(10, TimeUnit.SECONDS);
        assertEquals("one", c.key());
        cursor = c.cursor();
      }
      a.update("two", d -> d.set("v", 2L)).join();
      a.update("one", d -> d.set("v", 3L)).join();
      changes.clear();
      try (Meridian.Watch w = a.watch("", cursor, collect)) {
        assertTrue(caughtUp.poll(10, TimeUnit.SECONDS) != null, "never caught up");
        Set<String> keys = new TreeSet<>();
        for (Change c : changes) {
          assertEquals(Change.Origin.RESUMED, c.origin());
          keys.add(c.key());
        }
        assertEquals(Set.of("one", "two"), keys);
      }
      assertThrows(IllegalArgumentException.class, () -> a.watch("", "%%%", collect));
    }
  }
}
