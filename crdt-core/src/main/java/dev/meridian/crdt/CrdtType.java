package dev.meridian.crdt;

/**
 * The stable table of type tags. A tag is written into every encoded map entry, so tags are never
 * renumbered or reused; new types take new numbers.
 */
public enum CrdtType {
  /** {@link dev.meridian.crdt.register.MvRegister}: a multi-value register. */
  REGISTER(1, "register"),
  /** {@link dev.meridian.crdt.counter.Counter}: an increment/decrement counter. */
  COUNTER(2, "counter"),
  /** {@link dev.meridian.crdt.flag.EwFlag}: an enable-wins flag. */
  FLAG(3, "flag"),
  /** {@link dev.meridian.crdt.set.AwSet}: an add-wins set. */
  SET(4, "set"),
  /** {@link dev.meridian.crdt.map.OrMap}: an observed-remove map. */
  MAP(5, "map"),
  /** {@link dev.meridian.crdt.sequence.OrList}: a list of document values. */
  LIST(6, "list"),
  /** {@link dev.meridian.crdt.sequence.Text}: a sequence of characters. */
  TEXT(7, "text");

  private final int tag;
  private final String label;

  CrdtType(int tag, String label) {
    this.tag = tag;
    this.label = label;
  }

  /** The stable numeric tag used on the wire. */
  public int tag() {
    return tag;
  }

  /** A lower-case name for messages and JSON conflict views. */
  public String label() {
    return label;
  }

  /** Returns the type with the given tag, or {@code null} if no type has it. */
  public static CrdtType ofTag(int tag) {
    for (CrdtType t : values()) {
      if (t.tag == tag) {
        return t;
      }
    }
    return null;
  }
}
