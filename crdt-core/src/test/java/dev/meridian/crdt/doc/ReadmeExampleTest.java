package dev.meridian.crdt.doc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.crdt.Replica;
import dev.meridian.crdt.codec.CodecException;
import dev.meridian.crdt.codec.CrdtCodec;
import org.junit.jupiter.api.Test;

/** The usage example of README.md, line for line, so the README cannot drift from the API. */
class ReadmeExampleTest {
  @Test
  void readmeExample_producesTheJsonItShows() throws CodecException {
    Replica lisbon = Replica.random();
    Document doc = Document.create(lisbon);

    Document delta = doc.set("profile.name", "Ada");
    doc.increment("stats.visits", 1);
    doc.add("tags", "math");
    byte[] wire = CrdtCodec.encode(delta);

    Document osaka = Document.create(Replica.random());
    osaka.join(CrdtCodec.decodeDocument(wire));
    osaka.join(doc.deltaSince(osaka.context()));

    assertEquals("{\"profile\":{\"name\":\"Ada\"},\"stats\":{\"visits\":1},\"tags\":[\"math\"]}", osaka.toJson());
    assertTrue(osaka.conflicts().isEmpty());
    assertEquals(doc, osaka);
  }
}
