package dev.meridian.peer;

import java.net.InetSocketAddress;

/** host:port parsing and formatting for listen and peer addresses. */
final class Addresses {
  private Addresses() {}

  /**
   * Parses {@code host:port} or {@code [v6]:port} without resolving names.
   *
   * @throws IllegalArgumentException naming {@code what} if malformed
   */
  static InetSocketAddress parse(String what, String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException(what + ": empty address (expected host:port)");
    }
    int colon = text.lastIndexOf(':');
    if (colon <= 0 || colon == text.length() - 1 || (text.indexOf(':') != colon && !text.startsWith("["))) {
      throw new IllegalArgumentException(
          what + ": '" + text + "' is not host:port (IPv6 goes in brackets: [::1]:7400)");
    }
    String host = text.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port;
    try {
      port = Integer.parseInt(text.substring(colon + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + ": '" + text + "' has no numeric port", e);
    }
    if (port < 0 || port > 65_535) {
      throw new IllegalArgumentException(what + ": port " + port + " is out of range 0-65535");
    }
    return InetSocketAddress.createUnresolved(host, port);
  }

  static String format(InetSocketAddress a) {
    String host = a.getHostString();
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
  }
}
