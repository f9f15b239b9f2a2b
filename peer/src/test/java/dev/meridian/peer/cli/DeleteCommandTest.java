package dev.meridian.peer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.meridian.peer.cli.FakePeer.Result;
import dev.meridian.peer.proto.DeleteRequest;
import dev.meridian.peer.proto.DeleteResponse;
import io.grpc.Status;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

class DeleteCommandTest {
  @AutoClose
  private final FakePeer peer = FakePeer.startQuietly();

  @Test
  void delete_existing_silent() {
    Result r = peer.cli("delete", "users/ada");

    assertEquals(0, r.code(), r::toString);
    assertEquals("", r.out());
    assertEquals("", r.err());
    assertEquals(List.of(DeleteRequest.newBuilder().setKey("users/ada").build()),
        peer.service.requests);
  }

  @Test
  void delete_absent_succeedsWithNote() {
    peer.service.delete = DeleteResponse.newBuilder().setExisted(false).build();

    Result r = peer.cli("delete", "users/bob");

    assertEquals(0, r.code(), r::toString);
    assertEquals("note: no document 'users/bob'; nothing deleted\n", r.err());
  }

  @Test
  void delete_refused_exit1() {
    peer.service.failWith = Status.PERMISSION_DENIED.withDescription("read-only peer");

    Result r = peer.cli("delete", "users/ada");

    assertEquals(1, r.code(), r::toString);
    assertEquals("meridian: PERMISSION_DENIED: read-only peer\n", r.err());
  }
}
