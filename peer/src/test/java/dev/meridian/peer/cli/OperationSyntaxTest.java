package dev.meridian.peer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.peer.cli.OperationSyntax.OperationSyntaxException;
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
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OperationSyntaxTest {
  static Stream<Arguments> eachOperation() {
    return Stream.of(
        Arguments.of(List.of("set", "name", "\"Ada\""), Operation.newBuilder()
            .setSet(Set.newBuilder().setPath("name").setValueJson("\"Ada\"")).build()),
        Arguments.of(List.of("set", "profile", "{\"born\": 1815}"), Operation.newBuilder()
            .setSet(Set.newBuilder().setPath("profile").setValueJson("{\"born\": 1815}")).build()),
        Arguments.of(List.of("set", "x", "null"), Operation.newBuilder()
            .setSet(Set.newBuilder().setPath("x").setValueJson("null")).build()),
        Arguments.of(List.of("incr", "visits"), Operation.newBuilder()
            .setIncrement(Increment.newBuilder().setPath("visits").setAmount(1)).build()),
        Arguments.of(List.of("incr", "credit", "-5"), Operation.newBuilder()
            .setIncrement(Increment.newBuilder().setPath("credit").setAmount(-5)).build()),
        Arguments.of(List.of("incr", "big", "9223372036854775807"), Operation.newBuilder()
            .setIncrement(Increment.newBuilder().setPath("big").setAmount(Long.MAX_VALUE))
            .build()),
        Arguments.of(List.of("add", "tags", "\"math\""), Operation.newBuilder()
            .setAdd(AddElement.newBuilder().setPath("tags").setElementJson("\"math\"")).build()),
        Arguments.of(List.of("remove-element", "tags", "7"), Operation.newBuilder()
            .setRemoveElement(RemoveElement.newBuilder().setPath("tags").setElementJson("7"))
            .build()),
        Arguments.of(List.of("enable", "active"), Operation.newBuilder()
            .setEnable(Enable.newBuilder().setPath("active")).build()),
        Arguments.of(List.of("disable", "active"), Operation.newBuilder()
            .setDisable(Disable.newBuilder().setPath("active")).build()),
        Arguments.of(List.of("remove", "todos[2].done"), Operation.newBuilder()
            .setRemove(RemoveKey.newBuilder().setPath("todos[2].done")).build()),
        Arguments.of(List.of("insert", "todos", "0", "{\"title\":\"milk\"}"), Operation.newBuilder()
            .setListInsert(ListInsert.newBuilder().setPath("todos").setIndex(0)
                .setValueJson("{\"title\":\"milk\"}")).build()),
        Arguments.of(List.of("delete-range", "todos", "1", "2"), Operation.newBuilder()
            .setListDelete(ListDelete.newBuilder().setPath("todos").setIndex(1).setCount(2))
            .build()),
        Arguments.of(List.of("insert-text", "body", "3", "not \"JSON\", as is"),
            Operation.newBuilder().setTextInsert(TextInsert.newBuilder().setPath("body")
                .setIndex(3).setText("not \"JSON\", as is")).build()),
        Arguments.of(List.of("delete-text", "body", "0", "4"), Operation.newBuilder()
            .setTextDelete(TextDelete.newBuilder().setPath("body").setIndex(0).setCount(4))
            .build()));
  }

  @ParameterizedTest
  @MethodSource("eachOperation")
  void parse_eachOperation(List<String> words, Operation expected) throws Exception {
    assertEquals(List.of(expected), OperationSyntax.parse(words));
  }

  @Test
  void parse_severalOperations_keepsOrder() throws Exception {
    List<Operation> ops = OperationSyntax.parse(
        List.of("incr", "a", "set", "b", "1", "incr", "c", "2", "enable", "d"));
    assertEquals(List.of(Operation.OpCase.INCREMENT, Operation.OpCase.SET,
        Operation.OpCase.INCREMENT, Operation.OpCase.ENABLE),
        ops.stream().map(Operation::getOpCase).toList());
    assertEquals(1, ops.get(0).getIncrement().getAmount());
    assertEquals(2, ops.get(2).getIncrement().getAmount());
  }

  @Test
  void parse_incrFollowedByNonOperationWord_isAnInvalidAmount() {
    OperationSyntaxException e = assertThrows(OperationSyntaxException.class,
        () -> OperationSyntax.parse(List.of("incr", "a", "lots")));
    assertEquals("invalid N for incr a: 'lots' is not a 64-bit integer (usage: incr PATH [N])",
        e.getMessage());
  }

  @Test
  void parse_unknownOperation_listsTheValidOnes() {
    OperationSyntaxException e = assertThrows(OperationSyntaxException.class,
        () -> OperationSyntax.parse(List.of("set", "a", "1", "frob", "a")));
    assertEquals("unknown operation 'frob'; valid operations: set, incr, add, remove-element, "
        + "enable, disable, remove, insert, delete-range, insert-text, delete-text",
        e.getMessage());
  }

  @Test
  void parse_missingArguments() {
    assertEquals("missing PATH for enable (usage: enable PATH)",
        message(List.of("enable")));
    assertEquals("missing JSON for set (usage: set PATH JSON)",
        message(List.of("set", "a")));
    assertEquals("missing COUNT for delete-text (usage: delete-text PATH INDEX COUNT)",
        message(List.of("delete-text", "body", "1")));
    assertEquals("missing TEXT for insert-text (usage: insert-text PATH INDEX TEXT)",
        message(List.of("insert-text", "body", "1")));
  }

  @Test
  void parse_badPath_isRefusedBeforeAnythingIsSent() {
    String m = message(List.of("set", "a..b", "1"));
    assertTrue(m.startsWith("invalid PATH for set: 'a..b': "), m);
    assertTrue(message(List.of("incr", "", "1")).startsWith("invalid PATH for incr: '': "));
  }

  @Test
  void parse_badIntegers() {
    assertEquals("invalid INDEX for insert todos: 'first' is not an integer from 0 to "
        + "2147483647 (usage: insert PATH INDEX JSON)",
        message(List.of("insert", "todos", "first", "1")));
    assertEquals("invalid INDEX for insert-text body: '-1' is not an integer from 0 to "
        + "2147483647 (usage: insert-text PATH INDEX TEXT)",
        message(List.of("insert-text", "body", "-1", "x")));
    assertEquals("invalid COUNT for delete-range todos: '3000000000' is not an integer from 0 "
        + "to 2147483647 (usage: delete-range PATH INDEX COUNT)",
        message(List.of("delete-range", "todos", "0", "3000000000")));
    assertEquals("invalid N for incr a: '1.5' is not a 64-bit integer (usage: incr PATH [N])",
        message(List.of("incr", "a", "1.5")));
  }

  @Test
  void parse_bareWord_hintsAtQuoting() {
    assertEquals("invalid JSON for set name: unexpected character at column 1; "
        + "use '\"Ada\"' for a string", message(List.of("set", "name", "Ada")));
  }

  @Test
  void parse_singleQuotedString_hintsAtDoubleQuotes() {
    assertEquals("invalid JSON for add tags: unexpected character at column 2; "
        + "JSON strings take double quotes: use '\"x\"'", message(List.of("add", "tags", "'x'")));
  }

  @Test
  void parse_brokenObject_noStringHint() {
    assertEquals("invalid JSON for insert todos: unexpected end of input at column 11",
        message(List.of("insert", "todos", "0", "{\"a\": true")));
  }

  @Test
  void parse_emptyValue_isInvalid() {
    assertEquals("invalid JSON for set a: no value (use '\"\"' for an empty string, or null)",
        message(List.of("set", "a", "")));
  }

  @Test
  void parse_arrayForSet_isRefusedWithAdvice() {
    assertEquals("invalid value for set tags: set takes a JSON scalar or object; a JSON array "
        + "cannot be set; build a list with insert, a set with add",
        message(List.of("set", "tags", "[1, 2]")));
  }

  @Test
  void parse_objectForAdd_isRefused() {
    assertEquals("invalid value for add tags: add takes a JSON scalar (string, number, boolean "
        + "or null)", message(List.of("add", "tags", "{\"a\": 1}")));
    assertEquals("invalid value for remove-element tags: remove-element takes a JSON scalar "
        + "(string, number, boolean or null); give one element per remove-element",
        message(List.of("remove-element", "tags", "[1]")));
  }

  @Test
  void parse_nothing_isEmpty() throws Exception {
    assertEquals(List.of(), OperationSyntax.parse(List.of()));
  }

  @Test
  void setFields_oneSetPerField_inOrder() throws Exception {
    assertEquals(List.of(
        Operation.newBuilder().setSet(Set.newBuilder().setPath("name")
            .setValueJson("\"Ada\"")).build(),
        Operation.newBuilder().setSet(Set.newBuilder().setPath("profile")
            .setValueJson("{\"born\":18150000000000000001}")).build()),
        OperationSyntax.setFields("{\"name\": \"Ada\", \"profile\": {\"born\": 18150000000000000001}}"));
  }

  @Test
  void setFields_refusesNonObjectsArraysAndPathLikeNames() {
    assertEquals("--json takes a JSON object, e.g. '{\"name\": \"Ada\"}'",
        assertThrows(OperationSyntaxException.class, () -> OperationSyntax.setFields("1"))
            .getMessage());
    assertEquals("--json field 'a.b' is not a plain key; use set PATH JSON for nested paths",
        assertThrows(OperationSyntaxException.class,
            () -> OperationSyntax.setFields("{\"a.b\": 1}")).getMessage());
    assertEquals("--json field 'tags': a JSON array cannot be set; build a list with insert, "
        + "a set with add", assertThrows(OperationSyntaxException.class,
            () -> OperationSyntax.setFields("{\"tags\": []}")).getMessage());
    assertEquals("invalid JSON for --json: unexpected character at column 3",
        assertThrows(OperationSyntaxException.class,
            () -> OperationSyntax.setFields("{name: 1}")).getMessage());
  }

  private static String message(List<String> words) {
    return assertThrows(OperationSyntaxException.class, () -> OperationSyntax.parse(words))
        .getMessage();
  }
}
