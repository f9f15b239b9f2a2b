package dev.meridian.testkit;

import dev.meridian.crdt.doc.Document;
import dev.meridian.testkit.jqwik.CrdtProperties;
import dev.meridian.testkit.specs.CoreSpecs;

/** Every law and the convergence simulation for {@link Document}, with ops from {@link CoreSpecs#document()}. */
class DocumentProperties implements CrdtProperties<Document> {
  private static final CrdtSpec<Document> SPEC = CoreSpecs.document();

  @Override
  public CrdtSpec<Document> spec() {
    return SPEC;
  }
}
