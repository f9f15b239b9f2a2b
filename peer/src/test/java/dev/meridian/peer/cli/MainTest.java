package dev.meridian.peer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.peer.cli.FakePeer.Result;
import dev.meridian.peer.proto.GetRequest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MainTest {
  @Test
  void run_help_listsCommandsExitCodesAndEnvironment() {
    Result r = FakePeer.run("--help");

    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().startsWith("Usage: meridian [-hV] [COMMAND]\n"), r::toString);
    for (String command : List.of("peer", "get", "update", "delete", "list", "watch", "status")) {
      assertTrue(r.out().contains("\n  " + command + " "), command + " in\n" + r.out());
    }
    assertTrue(r.out().contains("Exit codes:\n  0   success\n"), r::toString);
    assertTrue(r.out().contains("  3   cannot reach the peer"), r::toString);
    assertTrue(r.out().contains("MERIDIAN_PEER"), r::toString);
  }

  @Test
  void run_version() {
    Result r = FakePeer.run("--version");

    assertEquals(0, r.code());
    assertEquals("0.1.0\n", r.out());
  }

  @Test
  void run_noCommand_usageError() {
    Result r = FakePeer.run();

    assertEquals(2, r.code());
    assertTrue(r.err().startsWith("Missing required subcommand\nUsage: meridian"), r::toString);
  }

  @Test
  void run_unknownCommand_usageError() {
    Result r = FakePeer.run("fetch", "k");

    assertEquals(2, r.code());
    assertTrue(r.err().startsWith("Unmatched arguments from index 0: 'fetch', 'k'"),
        r::toString);
    assertTrue(r.err().endsWith("Run 'meridian --help' for usage.\n"), r::toString);
    assertFalse(r.err().contains("Usage:"), "the message stays in view: " + r);
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "get    | Prints a document as JSON.     | meridian get --compact users/ada | jq .name",
      "update | all or none.                   | incr visits incr credit -5 enable active",
      "delete | Deletes a document.            | meridian delete users/ada",
      "list   | Lists document keys            | meridian list --all | wc -l",
      "watch  | ORIGIN is local                | meridian watch users/ --documents",
      "status | replica id, address, direction | meridian status --json",
  })
  void run_commandHelp_describesAndShowsExamples(String command, String described,
      String example) {
    Result r = FakePeer.run(command, "--help");

    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().startsWith("Usage: meridian " + command + " "), r::toString);
    assertTrue(r.out().contains(described), r::toString);
    assertTrue(r.out().contains("\nExamples:\n"), r::toString);
    assertTrue(r.out().contains(example), r::toString);
    assertTrue(r.out().contains("\nConnection:\n      --peer=HOST:PORT"), r::toString);
    assertTrue(r.out().contains("--tls-ca=FILE"), r::toString);
    assertEquals("", r.err());
  }

  @Test
  void run_updateHelp_documentsEveryOperation() {
    Result r = FakePeer.run("update", "--help");

    for (OperationSyntax.Word w : OperationSyntax.Word.values()) {
      assertTrue(r.out().contains("\n  " + w.synopsis() + " "), w + " in\n" + r.out());
    }
  }

  @Test
  void run_peerHelp() {
    Result r = FakePeer.run("peer", "--help");

    assertEquals(0, r.code(), r::toString);
    assertTrue(r.out().startsWith("Usage: meridian peer"), r::toString);
  }

  @ParameterizedTest
  @ValueSource(strings = {"get k", "update k incr a", "delete k", "list", "watch", "status"})
  void run_unreachablePeer_exit3WithoutStackTrace(String command) throws Exception {
    String address = "127.0.0.1:" + FakePeer.unusedPort();
    String[] words = command.split(" ");
    String[] args = new String[words.length + 2];
    args[0] = words[0];
    args[1] = "--peer";
    args[2] = address;
    System.arraycopy(words, 1, args, 3, words.length - 1);

    Result r = FakePeer.run(args);

    assertEquals(3, r.code(), r::toString);
    assertEquals("", r.out());
    assertTrue(r.err().startsWith("meridian: cannot reach peer at " + address + ": "),
        r::toString);
    assertTrue(r.err().contains("refused"), r::toString);
    assertEquals(1, r.err().lines().count(), r::toString);
    assertFalse(r.err().contains("Exception"), r::toString);
  }

  @Test
  void run_environmentNamesThePeer() throws Exception {
    try (FakePeer peer = FakePeer.start()) {
      Result r = FakePeer.run(Map.of("MERIDIAN_PEER", peer.address()), "get", "k");

      assertEquals(0, r.code(), r::toString);
      assertEquals(List.of(GetRequest.newBuilder().setKey("k").build()), peer.service.requests);
    }
  }

  @Test
  void run_peerOptionOverridesTheEnvironment() throws Exception {
    try (FakePeer peer = FakePeer.start()) {
      String nowhere = "127.0.0.1:" + FakePeer.unusedPort();
      Result r = FakePeer.run(Map.of("MERIDIAN_PEER", nowhere), "get", "--peer", peer.address(),
          "k");

      assertEquals(0, r.code(), r::toString);
      assertEquals(1, peer.service.requests.size());
    }
  }

  @Test
  void run_badEnvironment_usageErrorNamingIt() {
    Result r = FakePeer.run(Map.of("MERIDIAN_PEER", "host:port"), "status");

    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().startsWith(
        "invalid $MERIDIAN_PEER 'host:port': expected HOST:PORT, e.g. 127.0.0.1:7400\n"),
        r::toString);
  }

  @Test
  void run_badTimeout_usageError() {
    Result r = FakePeer.run("get", "--timeout", "soon", "k");

    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().startsWith("Invalid value for option '--timeout': 'soon' is not a "
        + "duration; use a number with a unit, e.g. 500ms, 10s, 2m\n"), r::toString);
  }
}
