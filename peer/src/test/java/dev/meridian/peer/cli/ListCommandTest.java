package dev.meridian.peer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.peer.cli.FakePeer.Result;
import dev.meridian.peer.proto.ListRequest;
import dev.meridian.peer.proto.ListResponse;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ListCommandTest {
  private FakePeer peer;

  @BeforeEach
  void start() throws Exception {
    peer = FakePeer.start();
    peer.service.pages.put("", page("t1", "users/ada", "users/bob"));
    peer.service.pages.put("t1", page("t2", "users/cy"));
    peer.service.pages.put("t2", page("", "users/dee"));
  }

  @AfterEach
  void stop() throws Exception {
    peer.close();
  }

  @Test
  void list_all_followsEveryPage() {
    Result r = peer.cli("list", "users/", "--all", "--limit", "2");

    assertEquals(0, r.code(), r::toString);
    assertEquals("users/ada\nusers/bob\nusers/cy\nusers/dee\n", r.out());
    assertEquals("", r.err());
    assertEquals(List.of(request("users/", 2, ""), request("users/", 2, "t1"),
        request("users/", 2, "t2")), peer.service.requests);
  }

  @Test
  void list_onePage_hintsAtTheNextToken() {
    Result r = peer.cli("list", "users/");

    assertEquals(0, r.code(), r::toString);
    assertEquals("users/ada\nusers/bob\n", r.out());
    assertEquals("note: more keys follow; continue with --page-token t1 (or use --all)\n",
        r.err());
    assertEquals(List.of(request("users/", 100, "")), peer.service.requests);
  }

  @Test
  void list_pageToken_startsThere() {
    Result r = peer.cli("list", "--page-token", "t2");

    assertEquals(0, r.code(), r::toString);
    assertEquals("users/dee\n", r.out());
    assertEquals("", r.err());
    assertEquals(List.of(request("", 100, "t2")), peer.service.requests);
  }

  @Test
  void list_tokenThatRepeats_stopsInsteadOfLooping() {
    peer.service.pages.put("t1", page("t1", "users/cy"));

    Result r = peer.cli("list", "--all");

    assertEquals(1, r.code(), r::toString);
    assertEquals("users/ada\nusers/bob\nusers/cy\n", r.out());
    assertEquals("meridian: the peer returned the same page token twice; stopping\n", r.err());
  }

  @Test
  void list_badToken_exit1WithStatus() {
    Result r = peer.cli("list", "--page-token", "nope");

    assertEquals(1, r.code(), r::toString);
    assertEquals("meridian: INVALID_ARGUMENT: bad page token\n", r.err());
  }

  @Test
  void list_limitOutOfRange_usageError() {
    for (String limit : new String[] {"0", "1001"}) {
      Result r = peer.cli("list", "--limit", limit);

      assertEquals(2, r.code(), r::toString);
      assertTrue(r.err().startsWith("--limit must be from 1 to 1000, not " + limit + "\n"),
          r::toString);
    }
    assertEquals(List.of(), peer.service.requests);
  }

  private static ListResponse page(String next, String... keys) {
    return ListResponse.newBuilder().addAllKeys(List.of(keys)).setNextPageToken(next).build();
  }

  private static ListRequest request(String prefix, int size, String token) {
    return ListRequest.newBuilder().setPrefix(prefix).setPageSize(size).setPageToken(token)
        .build();
  }
}
