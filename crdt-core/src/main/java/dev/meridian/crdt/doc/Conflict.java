package dev.meridian.crdt.doc;

import com.google.common.collect.ImmutableList;
import dev.meridian.crdt.CrdtType;

/**
 * A place in a document where concurrent writes left more than one value: either values of
 * different types under one key, or concurrent values of one register. The first candidate is what
 * the JSON view shows.
 *
 * @param path where the conflict is
 * @param candidates the competing values, the shown one first
 */
public record Conflict(String path, ImmutableList<Candidate> candidates) {
  /**
   * One competing value.
   *
   * @param type its type
   * @param value its JSON-like value
   */
  public record Candidate(CrdtType type, Object value) {}
}
