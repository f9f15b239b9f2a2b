package dev.meridian.nemesis;

import com.google.gson.JsonElement;
import dev.meridian.peer.proto.GetRequest;
import dev.meridian.peer.proto.UpdateRequest;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each heal's repair time: just before the heal a marker is written at every daemon (an element
 * of one set document), and after it the daemons are polled until every one holds every marker
 * that was acknowledged. A daemon that is paused, killed or out of disk takes no marker.
 */
final class Repairs {
  private static final Logger log = LoggerFactory.getLogger(Repairs.class);

  /** The document each phase's markers go into (a set; elements p{phase}-n{node}). */
  static final String MARKS_KEY = "heal-marks";

  /** How long a heal's markers may take to reach every daemon before the run moves on. */
  static final Duration WAIT = Duration.ofSeconds(30);

  /**
   * How long the daemons took, after one heal, until each holds the markers written at every
   * daemon just before it: {@code seconds} is -1 if they did not within {@link #WAIT}.
   */
  record Repair(String phase, double healedAt, double seconds, int marks) {}

  private final Daemons daemons;
  private final Timeline timeline;
  private final List<Repair> repairs = new ArrayList<>();

  Repairs(Daemons daemons, Timeline timeline) {
    this.daemons = daemons;
    this.timeline = timeline;
  }

  /** Every repair measured so far, in order. */
  List<Repair> all() {
    return List.copyOf(repairs);
  }

  /** Adds this phase's marker at every daemon that takes it within 1 s; returns those added. */
  List<String> writeMarks(int phase) throws InterruptedException {
    List<String> added = Collections.synchronizedList(new ArrayList<>());
    List<Thread> writers = new ArrayList<>();
    for (int i = 0; i < daemons.size(); i++) {
      int node = i;
      Thread t = new Thread(() -> {
        String mark = "p" + phase + "-n" + node;
        try {
          daemons.api(node).withDeadlineAfter(1, TimeUnit.SECONDS).update(
              UpdateRequest.newBuilder().setKey(MARKS_KEY)
                  .addOperations(Ops.add("s", mark)).build());
          added.add(mark);
        } catch (StatusRuntimeException e) {
          // paused, killed or with a full disk: it has no marker this phase
        }
      }, "mark-n" + i);
      t.start();
      writers.add(t);
    }
    for (Thread t : writers) {
      t.join();
    }
    return List.copyOf(added);
  }

  /** Polls until every daemon holds every one of {@code marks}; records the repair time. */
  void await(String label, double healedAt, List<String> marks) throws InterruptedException {
    double seconds = -1;
    while (timeline.now() - healedAt < WAIT.toSeconds()) {
      if (allHold(marks)) {
        seconds = timeline.now() - healedAt;
        break;
      }
      Thread.sleep(50);
    }
    repairs.add(new Repair(label, healedAt, seconds, marks.size()));
    log.info("phase {}: markers {} everywhere {}", label, marks,
        seconds < 0 ? "NOT within " + WAIT.toSeconds() + " s"
            : String.format("%.2f s after the heal", seconds));
  }

  private boolean allHold(List<String> marks) {
    for (int i = 0; i < daemons.size(); i++) {
      try {
        String json = daemons.api(i).withDeadlineAfter(500, TimeUnit.MILLISECONDS)
            .get(GetRequest.newBuilder().setKey(MARKS_KEY).build())
            .getJson();
        JsonElement s = Ops.field(json, "s");
        Set<String> present = new HashSet<>();
        if (s != null) {
          s.getAsJsonArray().forEach(e -> present.add(e.getAsString()));
        }
        if (!present.containsAll(marks)) {
          return false;
        }
      } catch (StatusRuntimeException e) {
        return false;
      }
    }
    return true;
  }
}
