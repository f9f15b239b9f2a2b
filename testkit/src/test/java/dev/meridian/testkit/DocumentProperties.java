package dev.meridian.testkit;

import dev.meridian.crdt.doc.Document;
import dev.meridian.testkit.jqwik.CodecProperties;
import dev.meridian.testkit.jqwik.CrdtProperties;
import dev.meridian.testkit.specs.CoreSpecs;

/**
 * Every law, the codec round trip and the convergence simulation (over the codec) for {@link Document},
 * with the ops and codec of {@link CoreSpecs#document()}.
 */
class DocumentProperties implements CrdtProperties<Document>, CodecProperties<Document> {
  private static final CrdtSpec<Document> SPEC = CoreSpecs.document();

  @Override
  public CrdtSpec<Document> spec() {
    return SPEC;
  }
}
