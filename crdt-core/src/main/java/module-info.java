/**
 * Meridian's CRDT core: dots, causal contexts, dot stores, the convergent types, the document
 * model and the wire codec. It exports its API packages; the protobuf messages the codec is built
 * on ({@code dev.meridian.crdt.codec.proto}) stay inside.
 */
module dev.meridian.crdt {
  requires transitive com.google.common; // Guava's immutable collections are in the API
  requires com.google.protobuf;
  requires static com.google.errorprone.annotations; // compile-time annotations only

  exports dev.meridian.crdt;
  exports dev.meridian.crdt.clock;
  exports dev.meridian.crdt.codec;
  exports dev.meridian.crdt.counter;
  exports dev.meridian.crdt.doc;
  exports dev.meridian.crdt.flag;
  exports dev.meridian.crdt.map;
  exports dev.meridian.crdt.register;
  exports dev.meridian.crdt.sequence;
  exports dev.meridian.crdt.set;
  exports dev.meridian.crdt.store;
}
