package dev.meridian.testkit;

import dev.meridian.crdt.doc.Document;
import dev.meridian.testkit.jqwik.CodecProperties;
import dev.meridian.testkit.jqwik.CrdtProperties;
import dev.meridian.testkit.specs.CoreSpecs;

/**
 * Every law, the codec round trip and the convergence simulation (over the codec) for {@link
 * Document}s holding lists and text, with the ops of {@link CoreSpecs#documentWithSequences()}.
 */
class DocumentSequenceProperties implements CrdtProperties<Document>, CodecProperties<Document> {
  private static final CrdtSpec<Document> SPEC = CoreSpecs.documentWithSequences();

  @Override
  public CrdtSpec<Document> spec() {
    return SPEC;
  }
}
