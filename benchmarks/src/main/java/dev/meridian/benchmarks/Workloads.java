package dev.meridian.benchmarks;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.ReplicaId;
import dev.meridian.crdt.clock.HybridClock;
import dev.meridian.crdt.doc.Document;
import dev.meridian.crdt.sequence.Text;
import dev.meridian.testdata.EditingTrace;
import dev.meridian.testdata.JsonWorkload;
import java.util.List;
import java.util.Map;

/**
 * The sequence workloads, shared by the JMH classes, the cold runs and their tests: the
 * automerge-paper editing trace applied as local edits (one delta per edit, as the anchors' "txn"
 * mode: one transaction per keystroke), and the anchors' JSON-document workload (one delta per
 * op).
 */
final class Workloads {
  /** The JSON workload of the anchors: {@code genOps(30000, 42)}. */
  static final int JSON_OPS = 30_000;
  static final int JSON_SEED = 42;

  private Workloads() {}

  /** A fresh replica with a fixed id, so every run mints the same dots. */
  static Replica replica(long id) {
    return Replica.resume(ReplicaId.of(id), 0, new HybridClock());
  }

  /** Applies every patch of {@code trace} to a new {@link Text}, one delta per insert or delete. */
  static Text applyTrace(EditingTrace trace, Replica r) {
    Text t = new Text();
    for (int i = 0; i < trace.size(); i++) {
      if (trace.deleted(i) > 0) {
        t.delete(r, trace.position(i), trace.deleted(i));
      }
      String ins = trace.inserted(i);
      if (!ins.isEmpty()) {
        t.insert(r, trace.position(i), ins);
      }
    }
    return t;
  }

  /** The same edits to the text at {@code body} of a {@link Document} (the document write path). */
  static Document applyTraceToDocument(EditingTrace trace, Replica r) {
    Document d = Document.create(r);
    for (int i = 0; i < trace.size(); i++) {
      if (trace.deleted(i) > 0) {
        d.deleteText("body", trace.position(i), trace.deleted(i));
      }
      String ins = trace.inserted(i);
      if (!ins.isEmpty()) {
        d.insertText("body", trace.position(i), ins);
      }
    }
    return d;
  }

  /** Baseline: the same edits to a plain {@link StringBuilder}. */
  static String plainTrace(EditingTrace trace) {
    return trace.replayPlain();
  }

  /** Applies the JSON workload to a new document's list {@code items}, one delta per op. */
  static Document applyJson(List<JsonWorkload.Op> ops, Replica r) {
    Document d = Document.create(r);
    for (JsonWorkload.Op op : ops) {
      if (op instanceof JsonWorkload.Insert ins) {
        d.insert("items", ins.index(), ins.item());
      } else if (op instanceof JsonWorkload.Delete del) {
        d.delete("items", del.index(), 1);
      } else {
        JsonWorkload.SetField s = (JsonWorkload.SetField) op;
        d.set("items[" + s.index() + "]." + s.field(), s.value());
      }
    }
    return d;
  }

  /** Baseline: the JSON workload replayed on plain lists and maps. */
  static List<Map<String, Object>> plainJson(List<JsonWorkload.Op> ops) {
    return JsonWorkload.replay(ops);
  }
}
