package dev.meridian.peer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.peer.cli.FakePeer.Result;
import dev.meridian.peer.proto.AddElement;
import dev.meridian.peer.proto.Disable;
import dev.meridian.peer.proto.Enable;
import dev.meridian.peer.proto.Increment;
import dev.meridian.peer.proto.ListDelete;
import dev.meridian.peer.proto.ListInsert;
import dev.meridian.peer.proto.Operation;
import dev.meridian.peer.proto.RemoveElement;
import dev.meridian.peer.proto.RemoveKey;
import dev.meridian.peer.proto.Set;
import dev.meridian.peer.proto.TextDelete;
import dev.meridian.peer.proto.TextInsert;
import dev.meridian.peer.proto.UpdateRequest;
import dev.meridian.peer.proto.UpdateResponse;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

class UpdateCommandTest {
  @AutoClose
  private final FakePeer peer = FakePeer.startQuietly();

  @Test
  void update_everyOperation_oneRequestInOrder() {
    Result r = peer.cli("update", "notes/1",
        "set", "title", "\"Notes\"",
        "incr", "views",
        "incr", "credit", "-5",
        "add", "tags", "\"math\"",
        "remove-element", "tags", "false",
        "enable", "pinned",
        "disable", "archived",
        "remove", "draft",
        "insert", "todos", "0", "{\"title\": \"milk\"}",
        "delete-range", "todos", "2", "3",
        "insert-text", "body", "4", "Dear Charles, ",
        "delete-text", "body", "0", "1");

    assertEquals(0, r.code(), r::toString);
    assertEquals("", r.out());
    assertEquals("", r.err());
    UpdateRequest expected = UpdateRequest.newBuilder()
        .setKey("notes/1")
        .addOperations(Operation.newBuilder().setSet(
            Set.newBuilder().setPath("title").setValueJson("\"Notes\"")))
        .addOperations(Operation.newBuilder().setIncrement(
            Increment.newBuilder().setPath("views").setAmount(1)))
        .addOperations(Operation.newBuilder().setIncrement(
            Increment.newBuilder().setPath("credit").setAmount(-5)))
        .addOperations(Operation.newBuilder().setAdd(
            AddElement.newBuilder().setPath("tags").setElementJson("\"math\"")))
        .addOperations(Operation.newBuilder().setRemoveElement(
            RemoveElement.newBuilder().setPath("tags").setElementJson("false")))
        .addOperations(Operation.newBuilder().setEnable(Enable.newBuilder().setPath("pinned")))
        .addOperations(Operation.newBuilder().setDisable(
            Disable.newBuilder().setPath("archived")))
        .addOperations(Operation.newBuilder().setRemove(RemoveKey.newBuilder().setPath("draft")))
        .addOperations(Operation.newBuilder().setListInsert(ListInsert.newBuilder()
            .setPath("todos").setIndex(0).setValueJson("{\"title\": \"milk\"}")))
        .addOperations(Operation.newBuilder().setListDelete(
            ListDelete.newBuilder().setPath("todos").setIndex(2).setCount(3)))
        .addOperations(Operation.newBuilder().setTextInsert(
            TextInsert.newBuilder().setPath("body").setIndex(4).setText("Dear Charles, ")))
        .addOperations(Operation.newBuilder().setTextDelete(
            TextDelete.newBuilder().setPath("body").setIndex(0).setCount(1)))
        .build();
    assertEquals(List.of(expected), peer.service.requests);
  }

  @Test
  void update_print_asksForTheDocumentAndPrintsIt() {
    peer.service.update = UpdateResponse.newBuilder().setJson("{\"visits\":2}").build();

    Result r = peer.cli("update", "--print", "users/ada", "incr", "visits");

    assertEquals(0, r.code(), r::toString);
    assertEquals("{\n  \"visits\": 2\n}\n", r.out());
    assertTrue(peer.service.requests(UpdateRequest.class).get(0).getReturnDocument());
  }

  @Test
  void update_printCompact_oneLine() {
    peer.service.update = UpdateResponse.newBuilder().setJson("{\"a\": [1, 2]}").build();

    Result r = peer.cli("update", "users/ada", "incr", "a", "--print", "--compact");

    assertEquals("{\"a\":[1,2]}\n", r.out());
  }

  @Test
  void update_withoutPrint_doesNotAskForTheDocument() {
    peer.cli("update", "users/ada", "enable", "x");

    assertEquals(false, peer.service.requests(UpdateRequest.class).get(0).getReturnDocument());
  }

  @Test
  void update_json_setsEachFieldBeforeTheOperations() {
    Result r = peer.cli("update", "users/ada", "--json", "{\"name\": \"Ada\", \"born\": 1815}",
        "incr", "visits");

    assertEquals(0, r.code(), r::toString);
    UpdateRequest sent = peer.service.requests(UpdateRequest.class).get(0);
    assertEquals(List.of(
        Operation.newBuilder().setSet(Set.newBuilder().setPath("name").setValueJson("\"Ada\""))
            .build(),
        Operation.newBuilder().setSet(Set.newBuilder().setPath("born").setValueJson("1815"))
            .build(),
        Operation.newBuilder().setIncrement(Increment.newBuilder().setPath("visits")
            .setAmount(1)).build()), sent.getOperationsList());
  }

  @Test
  void update_textStartingWithDash_afterDoubleDash() {
    Result r = peer.cli("update", "notes/1", "--", "insert-text", "body", "0", "-- signed");

    assertEquals(0, r.code(), r::toString);
    assertEquals("-- signed", peer.service.requests(UpdateRequest.class).get(0)
        .getOperations(0).getTextInsert().getText());
  }

  @Test
  void update_unknownOperation_usageErrorAndNothingSent() {
    Result r = peer.cli("update", "users/ada", "set", "a", "1", "bump", "visits");

    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().startsWith("unknown operation 'bump'; valid operations: set, incr, add, "
        + "remove-element, enable, disable, remove, insert, delete-range, insert-text, "
        + "delete-text\n"), r::toString);
    assertTrue(r.err().endsWith("Run 'meridian update --help' for usage.\n"), r::toString);
    assertEquals(List.of(), peer.service.requests);
  }

  @Test
  void update_bareWordValue_usageErrorWithHint() {
    Result r = peer.cli("update", "users/ada", "set", "name", "Ada");

    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().startsWith("invalid JSON for set name: unexpected character at column 1; "
        + "use '\"Ada\"' for a string\n"), r::toString);
    assertEquals(List.of(), peer.service.requests);
  }

  @Test
  void update_nonIntegerIndex_usageError() {
    Result r = peer.cli("update", "notes/1", "insert", "todos", "last", "1");

    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().startsWith("invalid INDEX for insert todos: 'last'"), r::toString);
    assertEquals(List.of(), peer.service.requests);
  }

  @Test
  void update_missingArgument_usageError() {
    Result r = peer.cli("update", "notes/1", "incr", "a", "delete-text", "body", "0");

    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().startsWith(
        "missing COUNT for delete-text (usage: delete-text PATH INDEX COUNT)\n"), r::toString);
    assertEquals(List.of(), peer.service.requests);
  }

  @Test
  void update_noOperations_usageError() {
    Result r = peer.cli("update", "notes/1");

    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().startsWith("no operations: give at least one OP"), r::toString);
    assertEquals(List.of(), peer.service.requests);
  }

  @Test
  void update_noKey_usageError() {
    Result r = FakePeer.run("update");

    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().startsWith("Missing required parameter: 'KEY'"), r::toString);
  }

  @Test
  void update_emptyKey_usageError() {
    Result r = peer.cli("update", "", "incr", "a");

    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().startsWith("the key must not be empty\n"), r::toString);
    assertEquals(List.of(), peer.service.requests);
  }

  @Test
  void update_keyTooLong_usageError() {
    Result r = peer.cli("update", "é".repeat(513), "incr", "a");

    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().startsWith("the key is 1026 bytes long; the limit is 1024\n"),
        r::toString);
  }

  @Test
  void update_refusedByThePeer_exit1WithStatus() {
    peer.service.failWith = Status.FAILED_PRECONDITION.withDescription("todos is not a list");

    Result r = peer.cli("update", "notes/1", "insert", "todos", "0", "1");

    assertEquals(1, r.code(), r::toString);
    assertEquals("", r.out());
    assertEquals("meridian: FAILED_PRECONDITION: todos is not a list\n", r.err());
  }
}
