package dev.meridian.peer.config;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A network address as a host and a port: where a server listens or which peer to dial.
 *
 * <p>The host is a host name, an IPv4 address or an IPv6 address (stored without brackets); it is
 * never resolved here. The port is 0..65535, where 0 asks the system for a free port when
 * listening. {@link #toString()} gives the text form {@link #parse} reads: {@code host:port}, with
 * an IPv6 host in brackets ({@code [::1]:7400}).
 *
 * @param host a host name, IPv4 address or bracket-less IPv6 address; not empty
 * @param port 0..65535
 */
public record HostPort(String host, int port) {
  /* Design notes.
   * [1] Host names are checked only for characters, not resolved: resolution belongs to whoever
   *     dials or binds, and a config must be checkable offline.
   * [2] An IPv6 host must be bracketed in text, as in RFC 3986 authorities: "::1:7400" is
   *     ambiguous, so it is refused rather than guessed.
   */

  /** The largest port number. */
  public static final int MAX_PORT = 65_535;

  private static final int MAX_HOST_LENGTH = 253;
  private static final Pattern NAME_OR_IPV4 = Pattern.compile("[A-Za-z0-9._-]+");
  private static final Pattern IPV6 = Pattern.compile("[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*(%[A-Za-z0-9._-]+)?");
  private static final Pattern DIGITS = Pattern.compile("[0-9]+");
  private static final String EXPECTED = " (expected host:port)";

  /**
   * Checks the parts.
   *
   * @throws NullPointerException if {@code host} is null
   * @throws IllegalArgumentException if the host is empty or not a host name, IPv4 or IPv6
   *     address, or the port is outside 0..65535
   */
  public HostPort {
    Objects.requireNonNull(host, "host");
    if (!isValidHost(host)) {
      throw new IllegalArgumentException(
          "invalid host '" + host + "' (expected a host name, an IPv4 or an IPv6 address)");
    }
    if (port < 0 || port > MAX_PORT) {
      throw new IllegalArgumentException("port " + port + " is out of range (expected 0.." + MAX_PORT + ")");
    }
  }

  /**
   * The address with this host and port; same as the constructor.
   *
   * @throws NullPointerException if {@code host} is null
   * @throws IllegalArgumentException as the constructor
   */
  public static HostPort of(String host, int port) {
    return new HostPort(host, port);
  }

  /**
   * Reads {@code host:port}, {@code ipv4:port} or {@code [ipv6]:port}. Nothing is trimmed or
   * resolved.
   *
   * @param text the address text
   * @return the address
   * @throws NullPointerException if {@code text} is null
   * @throws IllegalArgumentException if the text is not such an address; the message quotes the
   *     text and says what is wrong, e.g. {@code '127.0.0.1' has no port (expected host:port)}
   */
  public static HostPort parse(String text) {
    Objects.requireNonNull(text, "text");
    String quoted = "'" + text + "'";
    if (text.isEmpty()) {
      throw new IllegalArgumentException("address is empty" + EXPECTED);
    }
    String host;
    String port;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException(quoted + " has no closing ']' (expected [host]:port)");
      }
      host = text.substring(1, close);
      String rest = text.substring(close + 1);
      if (rest.isEmpty() || rest.equals(":")) {
        throw new IllegalArgumentException(quoted + " has no port (expected [host]:port)");
      }
      if (rest.charAt(0) != ':') {
        throw new IllegalArgumentException(quoted + " has '" + rest + "' after ']' (expected [host]:port)");
      }
      if (!host.contains(":")) {
        throw new IllegalArgumentException(
            quoted + " has brackets around a host that is not an IPv6 address (expected host:port)");
      }
      port = rest.substring(1);
    } else {
      int colon = text.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException(quoted + " has no port" + EXPECTED);
      }
      host = text.substring(0, colon);
      port = text.substring(colon + 1);
      if (host.indexOf(':') >= 0) {
        throw new IllegalArgumentException(
            quoted + " has an IPv6 host without brackets (expected [host]:port, e.g. [::1]:7400)");
      }
      if (port.isEmpty()) {
        throw new IllegalArgumentException(quoted + " has no port" + EXPECTED);
      }
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException(quoted + " has no host" + EXPECTED);
    }
    if (!isValidHost(host)) {
      throw new IllegalArgumentException(
          quoted + " has an invalid host '" + host + "' (expected a host name, an IPv4 or an [IPv6] address)");
    }
    if (!DIGITS.matcher(port).matches()) {
      throw new IllegalArgumentException(
          quoted + " has an invalid port '" + port + "' (expected a number 0.." + MAX_PORT + ")");
    }
    if (port.length() > 5 || Integer.parseInt(port) > MAX_PORT) {
      throw new IllegalArgumentException(
          quoted + " has port " + port + ", out of range (expected 0.." + MAX_PORT + ")");
    }
    return new HostPort(host, Integer.parseInt(port));
  }

  /**
   * Whether the host is a loopback address by its text alone (no resolution): {@code localhost},
   * an IPv4 address in 127.0.0.0/8, or {@code ::1}. Everything else, host names and the wildcard
   * addresses ({@code 0.0.0.0}, {@code ::}) included, counts as reachable from other machines.
   */
  public boolean isLoopback() {
    if (host.equalsIgnoreCase("localhost")) {
      return true;
    }
    if (isIpv6()) {
      return host.equals("::1") || host.equals("0:0:0:0:0:0:0:1");
    }
    String[] parts = host.split("\\.", -1);
    if (parts.length != 4 || !parts[0].equals("127")) {
      return false;
    }
    for (String part : parts) {
      if (!DIGITS.matcher(part).matches() || part.length() > 3 || Integer.parseInt(part) > 255) {
        return false;
      }
    }
    return true;
  }

  /** Whether the host is an IPv6 address (and so is written in brackets). */
  public boolean isIpv6() {
    return host.indexOf(':') >= 0;
  }

  /** The text form: {@code host:port}, or {@code [host]:port} for IPv6; {@link #parse} reads it. */
  @Override
  public String toString() {
    return (isIpv6() ? "[" + host + "]" : host) + ":" + port;
  }

  private static boolean isValidHost(String host) {
    if (host.isEmpty() || host.length() > MAX_HOST_LENGTH) {
      return false;
    }
    return host.indexOf(':') >= 0
        ? IPV6.matcher(host).matches()
        : NAME_OR_IPV4.matcher(host).matches();
  }
}
