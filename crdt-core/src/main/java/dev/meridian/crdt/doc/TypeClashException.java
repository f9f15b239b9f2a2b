package dev.meridian.crdt.doc;

/**
 * A write refused because its path runs through, or ends at, a value of another type than the
 * write needs (a counter where a map is needed, a register where a set is written). Unlike other
 * {@link IllegalArgumentException}s from {@link Document}, it depends on what the document holds
 * now: the same write is valid on another document, or after the value is removed.
 */
public final class TypeClashException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  TypeClashException(String message) {
    super(message);
  }
}
