package dev.meridian.testkit;

import dev.meridian.crdt.doc.Document;
import dev.meridian.testkit.jqwik.CrdtProperties;
import dev.meridian.testkit.specs.CoreSpecs;

/**
 * Every law and the convergence simulation for {@link Document}s holding lists and text, with the
 * ops of {@link CoreSpecs#documentWithSequences()} (without the codec until it encodes sequences).
 */
class DocumentSequenceProperties implements CrdtProperties<Document> {
  private static final CrdtSpec<Document> SPEC = CoreSpecs.documentWithSequences().withCodec(null);

  @Override
  public CrdtSpec<Document> spec() {
    return SPEC;
  }
}
