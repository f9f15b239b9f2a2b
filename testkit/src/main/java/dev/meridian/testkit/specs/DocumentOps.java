package dev.meridian.testkit.specs;

import dev.meridian.crdt.doc.Document;
import dev.meridian.crdt.doc.Path;
import dev.meridian.testkit.Op;
import dev.meridian.testkit.OpGenerator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

/**
 * The random edits of {@link CoreSpecs}' document specs: map edits at nested paths ({@link
 * #documentOps}) and list and text edits at a few colliding names ({@link #documentSequenceOps}).
 * An edit the document refuses (a type clash, a position that is not there) is a refused op.
 */
final class DocumentOps {
  private DocumentOps() {}

  /** Edits at paths of keys up to {@code maxDepth}: see {@link CoreSpecs#documentOps}. */
  static OpGenerator<Document> documentOps(int maxDepth) {
    return random -> {
      List<String> keys = RandomValues.path(random, maxDepth);
      String path = Path.ofKeys(keys).toString();
      int roll = random.nextInt(14);
      switch (roll) {
        case 0, 1 -> {
          Object v = RandomValues.scalar(random);
          return docOp("set(" + path + ", " + CoreSpecs.show(v) + ")", d -> d.set(path, v));
        }
        case 2, 3 -> {
          long n = random.nextInt(11) - 5L;
          return docOp("increment(" + path + ", " + n + ")", d -> d.increment(path, n));
        }
        case 4, 5 -> {
          Object e = RandomValues.element(random);
          return docOp("add(" + path + ", " + CoreSpecs.show(e) + ")", d -> d.add(path, e));
        }
        case 6 -> {
          Object e = RandomValues.element(random);
          return docOp("removeElement(" + path + ", " + CoreSpecs.show(e) + ")",
              d -> d.removeElement(path, e));
        }
        case 7 -> {
          return docOp("enable(" + path + ")", d -> d.enable(path));
        }
        case 8 -> {
          return docOp("disable(" + path + ")", d -> d.disable(path));
        }
        case 9, 10 -> {
          return docOp("remove(" + path + ")", d -> d.remove(path));
        }
        default -> {
          Map<String, Object> content = content(random, maxDepth - keys.size());
          return docOp("putMap(" + path + ", " + content + ")", d -> d.putMap(path, content));
        }
      }
    };
  }

  /** List and text edits: see {@link CoreSpecs#documentSequenceOps}. */
  static OpGenerator<Document> documentSequenceOps() {
    List<String> lists = List.of("l", "l", "m", "a.l");
    List<String> texts = List.of("t", "t", "m", "a.t");
    return random -> {
      int where = random.nextInt(1 << 20);
      int roll = random.nextInt(12);
      // Lists and text mostly under names of their own, sometimes under one they share ("m").
      String path = (roll >= 8 && roll <= 10 ? texts : lists).get(random.nextInt(4));
      switch (roll) {
        case 0, 1 -> {
          Object v = random.nextBoolean() ? RandomValues.scalar(random)
              : Map.of("f", RandomValues.element(random));
          return docOp("insert(" + path + ", " + where + ", " + CoreSpecs.show(v) + ")",
              d -> d.insert(path, where % (d.length(path) + 1), v));
        }
        case 2 -> {
          return docOp("delete(" + path + ", " + where + ")", d -> {
            int n = d.length(path);
            return n == 0 ? null : d.delete(path, where % n, Math.min(2, n - where % n));
          });
        }
        case 3 -> {
          Object v = RandomValues.scalar(random);
          return docOp("set(" + path + "[" + where + "], " + CoreSpecs.show(v) + ")",
              d -> d.length(path) == 0 ? null : d.set(path + "[" + where % d.length(path) + "]", v));
        }
        case 4, 5 -> {
          Object v = RandomValues.element(random);
          return docOp("set(" + path + "[" + where + "].f, " + CoreSpecs.show(v) + ")",
              d -> d.length(path) == 0 ? null
                  : d.set(path + "[" + where % d.length(path) + "].f", v));
        }
        case 6 -> {
          return docOp("remove(" + path + "[" + where + "])",
              d -> d.length(path) == 0 ? null : d.remove(path + "[" + where % d.length(path) + "]"));
        }
        case 7 -> {
          Object v = RandomValues.element(random);
          return docOp("insert(" + path + "[" + where + "].sub, 0, " + CoreSpecs.show(v) + ")",
              d -> d.length(path) == 0 ? null
                  : d.insert(path + "[" + where % d.length(path) + "].sub", 0, v));
        }
        case 8, 9 -> {
          String chars = String.valueOf((char) ('a' + random.nextInt(26))).repeat(1 + random.nextInt(2));
          return docOp("insertText(" + path + ", " + where + ", " + CoreSpecs.show(chars) + ")",
              d -> d.insertText(path, where % (d.length(path) + 1), chars));
        }
        case 10 -> {
          return docOp("deleteText(" + path + ", " + where + ")", d -> {
            int n = d.length(path);
            return n == 0 ? null : d.deleteText(path, where % n, Math.min(2, n - where % n));
          });
        }
        default -> {
          return docOp("remove(" + path + ")", d -> d.remove(path));
        }
      }
    };
  }

  /** An op that runs {@code edit} on the document bound to the op's replica. */
  private static Op<Document> docOp(String description, Function<Document, Document> edit) {
    return Op.of(description, (doc, replica) -> {
      try {
        return edit.apply(doc.bind(replica));
      } catch (IllegalArgumentException | IndexOutOfBoundsException clash) {
        return null;
      }
    });
  }

  /** putMap content: up to two entries per level, scalars, pairs of elements, nested maps. */
  private static Map<String, Object> content(Random random, int depthLeft) {
    Map<String, Object> m = new LinkedHashMap<>();
    int size = random.nextInt(3);
    Set<String> used = new HashSet<>();
    for (int i = 0; i < size; i++) {
      String name = RandomValues.name(random);
      if (!used.add(name)) {
        continue;
      }
      int roll = random.nextInt(10);
      if (roll < 6 || depthLeft <= 0) {
        m.put(name, RandomValues.scalar(random));
      } else if (roll < 8) {
        m.put(name, List.of(RandomValues.element(random), RandomValues.element(random)));
      } else {
        m.put(name, content(random, depthLeft - 1));
      }
    }
    return m;
  }
}
