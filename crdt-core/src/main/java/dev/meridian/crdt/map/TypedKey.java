package dev.meridian.crdt.map;

import dev.meridian.crdt.CrdtType;
import java.util.Comparator;
import java.util.Objects;

/**
 * A map key with the type of the value under it. Two writes of different types to one name use
 * different typed keys, so both survive a merge and show up as a conflict.
 *
 * @param name the key's name
 * @param type the type of the value under it
 */
public record TypedKey(String name, CrdtType type) implements Comparable<TypedKey> {
  private static final Comparator<TypedKey> ORDER =
      Comparator.comparing(TypedKey::name).thenComparing(TypedKey::type);

  /** Checks both parts are present. */
  public TypedKey {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(type, "type");
  }

  @Override
  public int compareTo(TypedKey o) {
    return ORDER.compare(this, o);
  }

  @Override
  public String toString() {
    return name + ":" + type.label();
  }
}
