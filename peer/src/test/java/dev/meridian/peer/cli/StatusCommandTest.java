package dev.meridian.peer.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.meridian.peer.cli.FakePeer.Result;
import dev.meridian.peer.proto.PeerStatus;
import dev.meridian.peer.proto.StatusResponse;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

class StatusCommandTest {
  private static final StatusResponse STATUS = StatusResponse.newBuilder()
      .setSite("eu-west")
      .setReplicaId("00000000000000a1")
      .setListenAddress("0.0.0.0:7400")
      .setDocuments(1234)
      .setSizeOnDisk(5 * 1024 * 1024 + 512 * 1024)
      .setLocalWrites(56)
      .addConfiguredPeers("us-east.example.net:7400")
      .addConfiguredPeers("ap.example.net:7400")
      .addPeers(PeerStatus.newBuilder().setReplicaId("00000000000000b2")
          .setAddress("us-east.example.net:7400").setOutbound(true).setState("OPEN").setLag(3)
          .setDeltasIn(10).setDeltasOut(20).setLastContactMillisAgo(250))
      .addPeers(PeerStatus.newBuilder().setAddress("10.0.0.9:51234").setOutbound(false)
          .setState("HANDSHAKE").setLastContactMillisAgo(-1))
      .build();

  @AutoClose
  private final FakePeer peer = FakePeer.startQuietly();

  @Test
  void status_printsIdentityAndPeerTable() {
    peer.service.status = STATUS;

    Result r = peer.cli("status");

    assertEquals(0, r.code(), r::toString);
    assertEquals(""
        + "site:              eu-west\n"
        + "replica id:        00000000000000a1\n"
        + "listen address:    0.0.0.0:7400\n"
        + "documents:         1234\n"
        + "size on disk:      5.5 MiB (5767168 bytes)\n"
        + "local writes:      56\n"
        + "configured peers:  us-east.example.net:7400, ap.example.net:7400\n"
        + "\n"
        + "REPLICA ID        ADDRESS                   DIRECTION  STATE      LAG  LAST CONTACT\n"
        + "00000000000000b2  us-east.example.net:7400  outbound   OPEN       3    250ms ago\n"
        + "-                 10.0.0.9:51234            inbound    HANDSHAKE  0    never\n",
        r.out());
    assertEquals("", r.err());
  }

  @Test
  void status_nothingConfigured() {
    peer.service.status = StatusResponse.newBuilder().setSite("solo").setSizeOnDisk(100).build();

    Result r = peer.cli("status");

    assertEquals(""
        + "site:              solo\n"
        + "replica id:        -\n"
        + "listen address:    -\n"
        + "documents:         0\n"
        + "size on disk:      100 bytes\n"
        + "local writes:      0\n"
        + "configured peers:  none\n"
        + "\n"
        + "no replication streams\n", r.out());
  }

  @Test
  void status_json_everyFieldWithNumbers() {
    peer.service.status = STATUS;

    Result r = peer.cli("status", "--json");

    assertEquals(0, r.code(), r::toString);
    JsonObject o = JsonParser.parseString(r.out()).getAsJsonObject();
    assertEquals("eu-west", o.get("site").getAsString());
    assertEquals("00000000000000a1", o.get("replicaId").getAsString());
    assertEquals(1234, o.get("documents").getAsJsonPrimitive().getAsNumber().longValue());
    assertEquals(true, o.get("documents").getAsJsonPrimitive().isNumber());
    assertEquals(5767168, o.get("sizeOnDisk").getAsLong());
    assertEquals("ap.example.net:7400", o.getAsJsonArray("configuredPeers").get(1).getAsString());
    JsonObject second = o.getAsJsonArray("peers").get(1).getAsJsonObject();
    assertEquals("", second.get("replicaId").getAsString());
    assertEquals(false, second.get("outbound").getAsBoolean());
    assertEquals(-1, second.get("lastContactMillisAgo").getAsLong());
    assertEquals(20, o.getAsJsonArray("peers").get(0).getAsJsonObject()
        .get("deltasOut").getAsLong());
    assertEquals(8, o.size());
  }

  @Test
  void ago_forPeople() {
    assertEquals("never", StatusCommand.ago(-1));
    assertEquals("0ms ago", StatusCommand.ago(0));
    assertEquals("4.2s ago", StatusCommand.ago(4200));
    assertEquals("2m5s ago", StatusCommand.ago(125_000));
    assertEquals("3h1m ago", StatusCommand.ago(3 * 3_600_000 + 60_000));
  }

  @Test
  void bytes_forPeople() {
    assertEquals("1023 bytes", StatusCommand.bytes(1023));
    assertEquals("1.0 KiB (1024 bytes)", StatusCommand.bytes(1024));
    assertEquals("2.0 GiB (2147483648 bytes)", StatusCommand.bytes(2L << 30));
  }
}
