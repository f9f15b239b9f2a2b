package dev.meridian.peer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.meridian.peer.cli.FakePeer.Result;
import dev.meridian.peer.proto.Conflict;
import dev.meridian.peer.proto.GetRequest;
import dev.meridian.peer.proto.GetResponse;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

class GetCommandTest {
  @AutoClose
  private final FakePeer peer = FakePeer.startQuietly();

  @Test
  void get_found_printsPrettyJson() {
    peer.service.get = GetResponse.newBuilder().setFound(true)
        .setJson("{\"name\":\"Ada\",\"visits\":12345678901234567890,\"tags\":[\"math\"]}").build();

    Result r = peer.cli("get", "users/ada");

    assertEquals(0, r.code(), r::toString);
    assertEquals("{\n  \"name\": \"Ada\",\n  \"visits\": 12345678901234567890,\n"
        + "  \"tags\": [\n    \"math\"\n  ]\n}\n", r.out());
    assertEquals("", r.err());
    assertEquals(List.of(GetRequest.newBuilder().setKey("users/ada").build()),
        peer.service.requests);
  }

  @Test
  void get_compact_oneLine() {
    peer.service.get = GetResponse.newBuilder().setFound(true)
        .setJson("{ \"name\" : \"Ada\" }").build();

    Result r = peer.cli("get", "--compact", "users/ada");

    assertEquals("{\"name\":\"Ada\"}\n", r.out());
  }

  @Test
  void get_conflicts_notedOnStandardError() {
    peer.service.get = GetResponse.newBuilder().setFound(true).setJson("{\"name\":\"Ada\"}")
        .addConflicts(Conflict.newBuilder().setPath("name")
            .addValuesJson("\"Ada\"").addValuesJson("\"Augusta\""))
        .build();

    Result r = peer.cli("get", "users/ada", "--compact");

    assertEquals(0, r.code(), r::toString);
    assertEquals("{\"name\":\"Ada\"}\n", r.out());
    assertEquals("note: concurrent values at name: \"Ada\", \"Augusta\"\n", r.err());
  }

  @Test
  void get_notFound_exit1() {
    peer.service.get = GetResponse.newBuilder().setFound(false).setJson("{}").build();

    Result r = peer.cli("get", "users/bob");

    assertEquals(1, r.code(), r::toString);
    assertEquals("", r.out());
    assertEquals("meridian: no document 'users/bob'\n", r.err());
  }

  @Test
  void get_invalidArgument_exit1WithStatus() {
    peer.service.failWith = Status.INVALID_ARGUMENT.withDescription("key too long");

    Result r = peer.cli("get", "users/ada");

    assertEquals(1, r.code(), r::toString);
    assertEquals("meridian: INVALID_ARGUMENT: key too long\n", r.err());
  }

  @Test
  void get_peerShuttingDown_exit3() {
    peer.service.failWith = Status.UNAVAILABLE.withDescription("shutting down");

    Result r = peer.cli("get", "users/ada");

    assertEquals(3, r.code(), r::toString);
    assertEquals("meridian: cannot reach peer at " + peer.address() + ": shutting down\n",
        r.err());
  }

  @Test
  void get_noAnswerWithinTimeout_exit3() {
    peer.service.silent = true;

    Result r = peer.cli("get", "--timeout", "300ms", "users/ada");

    assertEquals(3, r.code(), r::toString);
    assertEquals("meridian: cannot reach peer at " + peer.address()
        + ": no answer within 300ms\n", r.err());
  }
}
