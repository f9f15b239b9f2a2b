package dev.meridian.peer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.meridian.peer.proto.AddElement;
import dev.meridian.peer.proto.DocumentsGrpc;
import dev.meridian.peer.proto.GetRequest;
import dev.meridian.peer.proto.Increment;
import dev.meridian.peer.proto.Operation;
import dev.meridian.peer.proto.UpdateRequest;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three peer daemons, each its own JVM process with its own data directory, on 127.0.0.1. Clients
 * write to all three at once through the client API; one daemon is killed with SIGKILL in the
 * middle of the writes and restarted on the same directory. Afterwards every document is the same
 * at all three peers and every acknowledged write is there.
 */
class ThreeDaemonsTest {
  private static final int DOCS = 8;
  /** Acknowledged writes before the kill, and at the restarted daemon after its restart. */
  private static final int WRITES_BEFORE_KILL = 300;
  private static final int WRITES_AFTER_RESTART = 100;

  @TempDir
  Path dir;

  private final List<Process> processes = new ArrayList<>(List.of());
  private final Process[] daemons = new Process[3];
  private final int[] ports = new int[3];

  @AfterEach
  void killAll() {
    for (Process p : processes) {
      p.destroyForcibly();
    }
  }

  /** Starts daemon {@code i}, which dials the other two, and waits until it is ready. */
  private Process start(int i) throws Exception {
    List<Integer> others = new ArrayList<>();
    for (int j = 0; j < 3; j++) {
      if (j != i) {
        others.add(ports[j]);
      }
    }
    Process p = DaemonProcess.start(dir.resolve("peer" + i), "peer" + i, ports[i], others,
        dir.resolve("peer" + i + ".log"),
        List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1")).process();
    processes.add(p);
    return p;
  }

  private static void awaitCount(String what, AtomicInteger count, int target)
      throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (count.get() < target) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + target + " " + what + ": " + count);
      }
      Thread.sleep(10);
    }
  }

  private String log(int i) {
    try {
      return Files.readString(dir.resolve("peer" + i + ".log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  private static Operation incr(String path) {
    return Operation.newBuilder().setIncrement(Increment.newBuilder().setPath(path).setAmount(1))
        .build();
  }

  private static Operation add(String path, String element) {
    return Operation.newBuilder().setAdd(AddElement.newBuilder().setPath(path)
        .setElementJson("\"" + element + "\"")).build();
  }

  @Test
  void concurrentWrites_killNineAndRestart_allConverge_noAcknowledgedWriteLost() throws Exception {
    for (int i = 0; i < 3; i++) {
      ports[i] = DaemonProcess.freePort();
    }
    for (int i = 0; i < 3; i++) {
      daemons[i] = start(i);
    }
    ManagedChannel[] channels = new ManagedChannel[3];
    for (int i = 0; i < 3; i++) {
      channels[i] = Grpc.newChannelBuilder("127.0.0.1:" + ports[i],
          InsecureChannelCredentials.create()).build();
    }
    // key -> elements whose update was acknowledged
    Map<String, Set<String>> acked = new ConcurrentHashMap<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger ackCount = new AtomicInteger();
    AtomicInteger[] acksAt = {new AtomicInteger(), new AtomicInteger(), new AtomicInteger()};
    AtomicInteger refused = new AtomicInteger();
    List<Thread> writers = new ArrayList<>();
    for (int w = 0; w < 3; w++) {
      int site = w;
      Thread t = new Thread(() -> {
        DocumentsGrpc.DocumentsBlockingStub api = DocumentsGrpc.newBlockingStub(channels[site]);
        for (int n = 0; !stop.get(); n++) {
          String key = "doc-" + (n % DOCS);
          String element = "w" + site + "-" + n;
          try {
            api.withDeadlineAfter(5, TimeUnit.SECONDS).update(UpdateRequest.newBuilder()
                .setKey(key).addOperations(incr("count")).addOperations(add("seen", element))
                .build());
            acked.computeIfAbsent(key, k -> ConcurrentHashMap.newKeySet()).add(element);
            ackCount.incrementAndGet();
            acksAt[site].incrementAndGet();
          } catch (StatusRuntimeException e) {
            refused.incrementAndGet(); // the daemon is down: not acknowledged, may or may not be there
            try {
              Thread.sleep(50);
            } catch (InterruptedException ie) {
              return;
            }
          }
        }
      }, "writer-" + w);
      t.start();
      writers.add(t);
    }

    awaitCount("acknowledged writes before the kill", ackCount, WRITES_BEFORE_KILL);
    int beforeKill = ackCount.get();
    daemons[1].destroyForcibly(); // SIGKILL during the writes: no shutdown hook, no flush
    assertTrue(daemons[1].waitFor(20, TimeUnit.SECONDS));
    assertEquals(137, daemons[1].exitValue(), "killed by SIGKILL");
    Thread.sleep(300); // writes at the other two go on; those sent to peer1 fail
    daemons[1] = start(1);
    channels[1].resetConnectBackoff(); // reconnect now rather than after gRPC's backoff
    int atRestart = acksAt[1].get();
    awaitCount("writes acknowledged by the restarted daemon", acksAt[1],
        atRestart + WRITES_AFTER_RESTART);
    stop.set(true);
    for (Thread t : writers) {
      t.join(20_000);
    }

    // Converge: every document equal at all three peers.
    List<DocumentsGrpc.DocumentsBlockingStub> apis = new ArrayList<>();
    for (ManagedChannel c : channels) {
      apis.add(DocumentsGrpc.newBlockingStub(c));
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    List<String> differing;
    do {
      differing = new ArrayList<>();
      for (int d = 0; d < DOCS; d++) {
        String key = "doc-" + d;
        Set<String> versions = new HashSet<>();
        for (DocumentsGrpc.DocumentsBlockingStub api : apis) {
          try {
            versions.add(api.withDeadlineAfter(5, TimeUnit.SECONDS)
                .get(GetRequest.newBuilder().setKey(key).build()).getJson());
          } catch (StatusRuntimeException e) {
            versions.add("unreachable: " + e.getStatus()); // the channel is still reconnecting
          }
        }
        if (versions.size() != 1) {
          differing.add(key);
        }
      }
      if (!differing.isEmpty()) {
        Thread.sleep(100);
      }
    } while (!differing.isEmpty() && System.nanoTime() < deadline);
    assertTrue(differing.isEmpty(), "documents still differ after 60 s: " + differing
        + "\nlogs:\n" + log(0) + log(1) + log(2));

    int total = 0;
    for (int d = 0; d < DOCS; d++) {
      String key = "doc-" + d;
      for (int site = 0; site < 3; site++) {
        JsonObject doc = JsonParser.parseString(apis.get(site).withDeadlineAfter(5,
            TimeUnit.SECONDS).get(GetRequest.newBuilder().setKey(key).build()).getJson())
            .getAsJsonObject();
        Set<String> seen = new HashSet<>();
        JsonArray arr = doc.getAsJsonArray("seen");
        for (JsonElement e : arr) {
          seen.add(e.getAsString());
        }
        Set<String> missing = new HashSet<>(acked.getOrDefault(key, Set.of()));
        missing.removeAll(seen);
        assertTrue(missing.isEmpty(), "peer" + site + " lost acknowledged writes to " + key + ": "
            + missing);
        // Each update incremented the counter and added one element, atomically.
        assertEquals(seen.size(), doc.get("count").getAsLong(), key + " at peer" + site);
      }
      total += acked.getOrDefault(key, Set.of()).size();
    }
    assertEquals(ackCount.get(), total);

    // SIGTERM: each daemon closes cleanly and promptly.
    for (int i = 0; i < 3; i++) {
      daemons[i].destroy();
    }
    for (int i = 0; i < 3; i++) {
      assertTrue(daemons[i].waitFor(30, TimeUnit.SECONDS), "peer" + i + " ignored SIGTERM");
      assertEquals(143, daemons[i].exitValue(), "peer" + i + ": " + log(i));
    }
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
    System.out.printf("three daemons: %d updates acknowledged (%d before the kill), %d refused"
        + " while a daemon was down%n", ackCount.get(), beforeKill, refused.get());
  }
}
