package dev.meridian.peer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.meridian.peer.PromText;
import dev.meridian.peer.Meridian;
import dev.meridian.peer.daemon.PeerDaemon;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CLI against a real peer (store, gRPC server, metrics endpoint), and the daemon's refusals. */
class CliAgainstPeerTest {
  @TempDir
  Path dir;

  private PeerDaemon daemon;
  private String address;

  @BeforeEach
  void start() throws Exception {
    daemon = PeerDaemon.start(Meridian.builder().dataDir(dir.resolve("data")).site("cli")
        .listen("127.0.0.1:0"), new InetSocketAddress("127.0.0.1", 0));
    address = daemon.peer().listenAddress();
  }

  @AfterEach
  void stop() {
    daemon.stop();
  }

  private FakePeer.Result cli(String command, String... args) {
    String[] all = new String[args.length + 3];
    all[0] = command;
    all[1] = "--peer";
    all[2] = address;
    System.arraycopy(args, 0, all, 3, args.length);
    return FakePeer.run(Map.of(), all);
  }

  @Test
  void updateGetListDeleteStatus_endToEnd() {
    FakePeer.Result u = cli("update", "users/ada", "set", "name", "\"Ada\"", "incr", "visits",
        "add", "tags", "\"math\"", "enable", "active");
    assertEquals(0, u.code(), u.err());
    FakePeer.Result g = cli("get", "--compact", "users/ada");
    assertEquals(0, g.code(), g.err());
    assertEquals("{\"active\":true,\"name\":\"Ada\",\"tags\":[\"math\"],\"visits\":1}",
        g.out().trim());
    assertEquals("users/ada", cli("list", "users/").out().trim());
    FakePeer.Result s = cli("status");
    assertEquals(0, s.code(), s.err());
    assertTrue(s.out().contains("cli") && s.out().contains(daemon.peer().replicaId()), s.out());
    assertEquals(0, cli("delete", "users/ada").code());
    FakePeer.Result gone = cli("get", "users/ada");
    assertEquals(1, gone.code());
    assertTrue(gone.err().contains("no document"), gone.err());
  }

  @Test
  void oversizedRequest_isDescribedInOurWords_andLargeAnswersAreRead() {
    // 9 MB of text: over the 8 MiB a message to a peer may have (twice the 4 MiB frame limit).
    String big = "\"" + "x".repeat(9_000_000) + "\"";
    FakePeer.Result u = cli("update", "k", "set", "v", big);
    assertEquals(1, u.code(), u.err());
    assertEquals("meridian: RESOURCE_EXHAUSTED: a message to meridian.peer.v1.Documents/Update is"
        + " larger than the 8,388,608 bytes this peer accepts in one message; split it into"
        + " smaller requests\n", u.err());
    // A document answer over gRPC's default 4 MiB is read: 5 updates of 900 KB text.
    for (int i = 0; i < 5; i++) {
      assertEquals(0, cli("update", "big", "set", "v" + i,
          "\"" + "y".repeat(900_000) + "\"").code());
    }
    FakePeer.Result g = cli("get", "--compact", "big");
    assertEquals(0, g.code(), g.err());
    assertTrue(g.out().length() > 4_500_000, "the whole document: " + g.out().length());
  }

  @Test
  void oversizedRequest_fromAnyGrpcClient_isRefusedInOurWords_andChangesNothing()
      throws Exception {
    io.grpc.ManagedChannel channel = io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder
        .forTarget(address).usePlaintext().build();
    try {
      dev.meridian.peer.proto.DocumentsGrpc.DocumentsBlockingStub api =
          dev.meridian.peer.proto.DocumentsGrpc.newBlockingStub(channel);
      dev.meridian.peer.proto.UpdateRequest big = dev.meridian.peer.proto.UpdateRequest
          .newBuilder().setKey("k").addOperations(dev.meridian.peer.proto.Operation.newBuilder()
              .setSet(dev.meridian.peer.proto.Set.newBuilder().setPath("v")
                  .setValueJson("\"" + "x".repeat(9_000_000) + "\""))).build();
      io.grpc.StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(
          io.grpc.StatusRuntimeException.class, () -> api.update(big));
      assertEquals(io.grpc.Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
      assertEquals("a message to meridian.peer.v1.Documents/Update is larger than the 8,388,608"
          + " bytes this peer accepts in one message; split it into smaller requests",
          e.getStatus().getDescription());
      assertTrue(daemon.peer().get("k").isEmpty(), "nothing of it was applied");
      assertEquals(0, daemon.peer().status().localWrites());
      // The peer goes on serving, on the same connection.
      api.update(big.toBuilder().setOperations(0, dev.meridian.peer.proto.Operation.newBuilder()
          .setSet(dev.meridian.peer.proto.Set.newBuilder().setPath("v").setValueJson("1")))
          .build());
      assertTrue(daemon.peer().get("k").isPresent());
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void badInput_clearMessage_nonZeroExit_noChange() {
    assertEquals(0, cli("update", "k", "incr", "n", "5").code());
    String before = cli("get", "--compact", "k").out();

    FakePeer.Result unknownOp = cli("update", "k", "frobnicate", "n");
    assertEquals(2, unknownOp.code());
    assertTrue(unknownOp.err().contains("frobnicate"), unknownOp.err());

    FakePeer.Result badJson = cli("update", "k", "set", "name", "Ada");
    assertEquals(2, badJson.code());
    assertTrue(badJson.err().contains("JSON"), badJson.err());

    // Checked by the peer: a path through the counter n.
    FakePeer.Result clash = cli("update", "k", "set", "x", "1", "set", "n.inner", "1");
    assertEquals(1, clash.code());
    assertTrue(clash.err().contains("FAILED_PRECONDITION") && clash.err().contains("'n'"),
        clash.err());

    assertEquals(before, cli("get", "--compact", "k").out(), "a refused update changed the doc");
  }

  @Test
  void metricsEndpoint_servesPrometheusText() throws Exception {
    assertEquals(0, cli("update", "m", "incr", "n").code());
    HttpClient http = HttpClient.newHttpClient();
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + daemon.metricsPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    assertEquals(1.0, PromText.value(r.body(), "meridian_writes_total").orElseThrow(), r.body());
    HttpResponse<String> missing = http.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + daemon.metricsPort() + "/nope")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(404, missing.statusCode());
  }

  @Test
  void peerCommand_badConfig_busyPort_lockedDirectory_areRefusedWithAMessage() throws Exception {
    Path bad = Files.writeString(dir.resolve("bad.yaml"), "listen: 127.0.0.1:7400\nliste: x\n");
    FakePeer.Result config = FakePeer.run("peer", "--config", bad.toString());
    assertEquals(2, config.code());
    assertTrue(config.err().contains("bad.yaml") && config.err().contains("liste"), config.err());

    FakePeer.Result flag = FakePeer.run("peer", "--data-dir", dir.resolve("x").toString(),
        "--listen", "localhost");
    assertEquals(2, flag.code());
    assertTrue(flag.err().contains("localhost"), flag.err());

    try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      FakePeer.Result port = FakePeer.run("peer", "--data-dir", dir.resolve("p").toString(),
          "--listen", "127.0.0.1:" + busy.getLocalPort(), "--metrics", "none");
      assertEquals(1, port.code());
      assertTrue(port.err().contains("already in use"), port.err());
    }

    // The running daemon holds its data directory.
    FakePeer.Result locked = FakePeer.run("peer", "--data-dir", dir.resolve("data").toString(),
        "--listen", "127.0.0.1:0", "--metrics", "none");
    assertEquals(1, locked.code());
    assertTrue(locked.err().contains("in use"), locked.err());

    FakePeer.Result printed = FakePeer.run("peer", "--data-dir", dir.resolve("q").toString(),
        "--listen", "none", "--print-config");
    assertEquals(0, printed.code(), printed.err());
    assertTrue(printed.out().contains("listen: none"), printed.out());
    assertTrue(Files.notExists(dir.resolve("q")), "--print-config created the data directory");
  }
}
