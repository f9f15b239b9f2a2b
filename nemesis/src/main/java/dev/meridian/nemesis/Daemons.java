package dev.meridian.nemesis;

import dev.meridian.peer.proto.DocumentsGrpc;
import dev.meridian.peer.proto.DocumentsGrpc.DocumentsBlockingStub;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The run's daemons and the harness's own client of each (a plaintext channel and a blocking
 * stub): started together, restarted after a fault or an exit of their own, read for
 * convergence, and stopped at the end. A fault that stops a daemon says so first ({@link
 * #expectDown}), so a daemon that ended by itself is told apart and reported.
 */
final class Daemons {
  private static final Logger log = LoggerFactory.getLogger(Daemons.class);

  private final List<Node> nodes;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<DocumentsBlockingStub> apis = new ArrayList<>();
  private final boolean[] expectedDown;

  Daemons(List<Node> nodes) {
    this.nodes = List.copyOf(nodes);
    this.expectedDown = new boolean[nodes.size()];
  }

  int size() {
    return nodes.size();
  }

  Node node(int i) {
    return nodes.get(i);
  }

  /** The harness's client of daemon {@code i}. */
  DocumentsBlockingStub api(int i) {
    return apis.get(i);
  }

  /** Starts every daemon at once, waits until each is ready, then opens a channel to each. */
  void startAll(Net net, int[] ports) throws Exception {
    List<Thread> starters = new ArrayList<>();
    List<Exception> failures = new ArrayList<>();
    for (Node n : nodes) {
      Thread t = new Thread(() -> {
        try {
          n.start();
        } catch (IOException e) {
          synchronized (failures) {
            failures.add(e);
          }
        }
      });
      t.start();
      starters.add(t);
    }
    for (Thread t : starters) {
      t.join();
    }
    if (!failures.isEmpty()) {
      throw failures.get(0);
    }
    for (int i = 0; i < nodes.size(); i++) {
      ManagedChannel c = Grpc.newChannelBuilder(net.address(i) + ":" + ports[i],
          InsecureChannelCredentials.create()).build();
      channels.add(c);
      apis.add(DocumentsGrpc.newBlockingStub(c));
    }
  }

  /** Daemon {@code i} is about to be stopped by a fault: its exit is no finding. */
  void expectDown(int i) {
    expectedDown[i] = true;
  }

  /** Starts daemon {@code i} again and reconnects to it at once. */
  void restart(int i) throws IOException {
    nodes.get(i).start();
    upAgain(i);
  }

  /** Daemon {@code i} is up again (started by the caller): reconnects to it at once. */
  void upAgain(int i) {
    expectedDown[i] = false;
    channels.get(i).resetConnectBackoff();
  }

  /**
   * A daemon that ended without a fault of ours is a finding (with its exit code and log tail);
   * it is restarted so the run goes on.
   */
  void reviveUnexpectedDeaths(List<String> findings, double now) throws IOException {
    for (Node n : nodes) {
      if (!expectedDown[n.index] && !n.alive()) {
        findings.add("n" + n.index + " ended by itself (exit code " + n.exitCode() + ") at "
            + String.format("%.1fs", now) + "; restarted. Log tail:\n" + n.logTail());
        restart(n.index);
      }
    }
  }

  /** Every workload document at every daemon, as JSON by key: one map per daemon. */
  List<Map<String, String>> readAll(List<Workload> workloads) {
    List<Map<String, String>> docs = new ArrayList<>();
    for (DocumentsBlockingStub api : apis) {
      Map<String, String> m = new HashMap<>();
      for (Workload w : workloads) {
        for (String key : w.keys()) {
          m.put(key, Ops.get(api, key));
        }
      }
      docs.add(m);
    }
    return docs;
  }

  /** Closes the channels and stops every daemon (SIGTERM), logging an unexpected exit code. */
  void stopAll() {
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
    for (Node n : nodes) {
      try {
        int code = n.stop();
        if (code != 143 && code != 0) {
          log.warn("n{} exited with {} on SIGTERM", n.index, code);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
