package dev.meridian.demo;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.codec.CodecException;
import dev.meridian.crdt.codec.CrdtCodec;
import dev.meridian.crdt.doc.Conflict;
import dev.meridian.crdt.doc.Document;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Three replicas of one document edit it concurrently while a lossy network (drops, duplicates,
 * reorders) carries their encoded deltas; a final anti-entropy round ({@code deltaSince}) repairs
 * what was lost, and every replica ends with the same JSON.
 *
 * <p>Run: {@code ./meridian demo} (builds on first use), or {@code java -cp
 * benchmarks/target/benchmarks.jar dev.meridian.demo.Demo [seed]}.
 */
public final class Demo {
  private Demo() {}

  private static boolean isLong(String s) {
    try {
      Long.parseLong(s);
      return true;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  /** Runs the demo; the optional argument is the network's random seed. */
  public static void main(String[] args) throws CodecException {
    if (args.length > 1 || (args.length == 1 && !isLong(args[0]))) {
      boolean help = args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"));
      (help ? System.out : System.err).println(
          (help ? "" : "meridian demo: expected at most one argument, a number (the seed); got "
              + String.join(" ", args) + "\n")
          + "Usage: meridian demo [SEED]\n"
          + "Three replicas edit one document concurrently over a lossy network (drops,\n"
          + "duplicates, reordering) and converge. SEED replays one network (default: random).");
      System.exit(help ? 0 : 2);
    }
    long seed = args.length > 0 ? Long.parseLong(args[0]) : System.nanoTime();
    Random net = new Random(seed);
    String[] sites = {"lisbon", "osaka", "denver"};
    List<Document> docs = new ArrayList<>();
    for (int i = 0; i < sites.length; i++) {
      docs.add(Document.create(Replica.random()));
    }
    List<byte[]>[] inbox = newInboxes(sites.length);
    long wireBytes = 0;
    int sent = 0;
    int dropped = 0;

    // Concurrent edits: everyone writes the title, counts visits, tags, toggles a flag.
    for (int round = 0; round < 20; round++) {
      for (int i = 0; i < sites.length; i++) {
        Document d = docs.get(i);
        Document delta = switch (net.nextInt(5)) {
          case 0 -> d.set("title", "draft by " + sites[i]);
          case 1 -> d.increment("stats.visits", 1);
          case 2 -> d.add("tags", sites[i]);
          case 3 -> d.enable("flags.published");
          default -> d.removeElement("tags", sites[net.nextInt(sites.length)]);
        };
        byte[] bytes = CrdtCodec.encode(delta);
        for (int j = 0; j < sites.length; j++) {
          if (j == i) {
            continue;
          }
          sent++;
          wireBytes += bytes.length;
          if (net.nextInt(4) == 0) {
            dropped++; // lost
          } else {
            inbox[j].add(net.nextInt(inbox[j].size() + 1), bytes); // reordered
            if (net.nextInt(6) == 0) {
              inbox[j].add(bytes); // duplicated
            }
          }
        }
      }
      // Deliver part of each inbox.
      for (int j = 0; j < sites.length; j++) {
        while (!inbox[j].isEmpty() && net.nextBoolean()) {
          docs.get(j).join(CrdtCodec.decodeDocument(inbox[j].remove(0)));
        }
      }
    }
    System.out.printf("seed %d: %d deltas sent (%d bytes, %.1f bytes each), %d dropped%n",
        seed, sent, wireBytes, (double) wireBytes / sent, dropped);
    System.out.println("before repair:");
    for (int i = 0; i < sites.length; i++) {
      System.out.printf("  %-7s %s%n", sites[i], docs.get(i).toJson());
    }
    // Deliver what is still queued, then anti-entropy: each pair exchanges what the other lacks.
    for (int j = 0; j < sites.length; j++) {
      for (byte[] b : inbox[j]) {
        docs.get(j).join(CrdtCodec.decodeDocument(b));
      }
    }
    long repairBytes = 0;
    for (int i = 0; i < sites.length; i++) {
      for (int j = 0; j < sites.length; j++) {
        if (i != j) {
          byte[] b = CrdtCodec.encode(docs.get(i).deltaSince(docs.get(j).context()));
          repairBytes += b.length;
          docs.get(j).join(CrdtCodec.decodeDocument(b));
        }
      }
    }
    System.out.printf("after repair (%d bytes of deltaSince):%n", repairBytes);
    boolean converged = true;
    for (int i = 0; i < sites.length; i++) {
      System.out.printf("  %-7s %s%n", sites[i], docs.get(i).toJson());
      converged &= docs.get(i).equals(docs.get(0));
    }
    for (Conflict c : docs.get(0).conflicts()) {
      System.out.printf("  conflict at %s: %s%n", c.path(), c.candidates());
    }
    System.out.println(converged ? "converged: all replicas equal" : "NOT CONVERGED");
    if (!converged) {
      throw new IllegalStateException("replicas diverged; replay with seed " + seed);
    }
  }

  @SuppressWarnings("unchecked")
  private static List<byte[]>[] newInboxes(int n) {
    List<byte[]>[] inbox = (List<byte[]>[]) new List<?>[n];
    for (int i = 0; i < n; i++) {
      inbox[i] = new ArrayList<>();
    }
    return inbox;
  }
}
