package dev.meridian.peer.access;

import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Who a caller is, as the access file names it, and what it was granted.
 *
 * @param kind the kind of credential it presented
 * @param name its name in the access file (a token's name, a client's or peer's certificate name)
 * @param grants what it may do; a caller may do what any of its grants allows
 */
public record Principal(Kind kind, String name, List<Grant> grants) {
  /** The kinds of credential. */
  public enum Kind {
    /** A bearer token ({@code token} lines). */
    TOKEN("token"),
    /** A client certificate naming {@code meridian-client:<name>} ({@code client} lines). */
    CLIENT("client certificate"),
    /** A peer certificate naming {@code meridian-peer:<site>} ({@code peer} lines). */
    PEER("peer certificate");

    private final String label;

    Kind(String label) {
      this.label = label;
    }

    /** How messages name the kind. */
    public String label() {
      return label;
    }
  }

  /** Checks the parts and copies the grants. */
  public Principal {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(name, "name");
    grants = List.copyOf(grants);
  }

  /** True if a grant allows {@code needed} on {@code keyOrPrefix} (every key under a prefix). */
  public boolean allows(Role needed, String keyOrPrefix) {
    for (Grant g : grants) {
      if (g.allows(needed, keyOrPrefix)) {
        return true;
      }
    }
    return false;
  }

  /** For messages and the audit log: {@code token 'cart-service'}. Never a secret. */
  @Override
  public String toString() {
    return kind.label() + " '" + name + "'";
  }

  /** The grants as the access file writes them, space-separated. */
  public String grantsText() {
    return grants.stream().map(Grant::toString).collect(Collectors.joining(" "));
  }
}
