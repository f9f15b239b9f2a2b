package dev.meridian.peer.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HostPortTest {

  @Test
  void parse_hostName() {
    HostPort address = HostPort.parse("peer-1.example.com:7400");
    assertEquals("peer-1.example.com", address.host());
    assertEquals(7400, address.port());
    assertFalse(address.isIpv6());
  }

  @Test
  void parse_ipv4() {
    assertEquals(HostPort.of("127.0.0.1", 7400), HostPort.parse("127.0.0.1:7400"));
  }

  @Test
  void parse_bracketedIpv6_storesHostWithoutBrackets() {
    HostPort address = HostPort.parse("[::1]:7400");
    assertEquals("::1", address.host());
    assertEquals(7400, address.port());
    assertTrue(address.isIpv6());
  }

  @Test
  void parse_ipv6WithZone() {
    assertEquals("fe80::1%eth0", HostPort.parse("[fe80::1%eth0]:1").host());
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 65_535})
  void parse_portBounds(int port) {
    assertEquals(port, HostPort.parse("h:" + port).port());
  }

  @ParameterizedTest
  @ValueSource(strings = {"localhost:7400", "10.0.0.2:0", "[::1]:7400", "[fd00::3]:65535", "a_b.c-d:1"})
  void toString_isReadBackByParse(String text) {
    assertEquals(text, HostPort.parse(text).toString());
  }

  @Test
  void toString_bracketsIpv6() {
    assertEquals("[::1]:80", HostPort.of("::1", 80).toString());
    assertEquals("h:80", HostPort.of("h", 80).toString());
  }

  @ParameterizedTest(name = "[{index}] '{0}'")
  @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
      "\"\"            | address is empty (expected host:port)",
      "127.0.0.1       | '127.0.0.1' has no port (expected host:port)",
      "localhost:      | 'localhost:' has no port (expected host:port)",
      ":7400           | ':7400' has no host (expected host:port)",
      "::1:7400        | '::1:7400' has an IPv6 host without brackets (expected [host]:port, e.g. [::1]:7400)",
      "[::1            | '[::1' has no closing ']' (expected [host]:port)",
      "[::1]           | '[::1]' has no port (expected [host]:port)",
      "[::1]:          | '[::1]:' has no port (expected [host]:port)",
      "[::1]7400       | '[::1]7400' has '7400' after ']' (expected [host]:port)",
      "[localhost]:1   | '[localhost]:1' has brackets around a host that is not an IPv6 address (expected host:port)",
      "[]:1            | '[]:1' has brackets around a host that is not an IPv6 address (expected host:port)",
      "h:http          | 'h:http' has an invalid port 'http' (expected a number 0..65535)",
      "h:-1            | 'h:-1' has an invalid port '-1' (expected a number 0..65535)",
      "h:+1            | 'h:+1' has an invalid port '+1' (expected a number 0..65535)",
      "h:65536         | 'h:65536' has port 65536, out of range (expected 0..65535)",
      "h:99999999999   | 'h:99999999999' has port 99999999999, out of range (expected 0..65535)",
      "\"a b:1\"       | 'a b:1' has an invalid host 'a b' (expected a host name, an IPv4 or an [IPv6] address)",
      "a/b:1           | 'a/b:1' has an invalid host 'a/b' (expected a host name, an IPv4 or an [IPv6] address)",
      "[::g]:1         | '[::g]:1' has an invalid host '::g' (expected a host name, an IPv4 or an [IPv6] address)",
  })
  void parse_rejects(String text, String message) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostPort.parse(text));
    assertEquals(message, e.getMessage());
  }

  @Test
  void parse_null() {
    assertThrows(NullPointerException.class, () -> HostPort.parse(null));
  }

  @Test
  void constructor_rejectsPortOutOfRange() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostPort.of("h", 65_536));
    assertEquals("port 65536 is out of range (expected 0..65535)", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> HostPort.of("h", -1));
  }

  @Test
  void constructor_rejectsBadHost() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostPort.of("", 1));
    assertEquals("invalid host '' (expected a host name, an IPv4 or an IPv6 address)", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> HostPort.of("[::1]", 1));
    assertThrows(NullPointerException.class, () -> HostPort.of(null, 1));
  }

  @Test
  void equals_byHostAndPort() {
    assertEquals(HostPort.of("h", 1), HostPort.parse("h:1"));
    assertEquals(HostPort.of("h", 1).hashCode(), HostPort.parse("h:1").hashCode());
    assertNotEquals(HostPort.of("h", 1), HostPort.of("h", 2));
    assertNotEquals(HostPort.of("h", 1), HostPort.of("g", 1));
  }
}
