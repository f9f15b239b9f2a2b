package dev.meridian.nemesis;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.meridian.peer.proto.AddElement;
import dev.meridian.peer.proto.DocumentsGrpc.DocumentsBlockingStub;
import dev.meridian.peer.proto.GetRequest;
import dev.meridian.peer.proto.Increment;
import dev.meridian.peer.proto.Operation;
import dev.meridian.peer.proto.Set;
import dev.meridian.peer.proto.TextDelete;
import dev.meridian.peer.proto.TextInsert;
import java.util.concurrent.TimeUnit;

/** Builders for the client API's operations, and JSON field access. */
final class Ops {
  private Ops() {}

  static Operation add(String path, String element) {
    return Operation.newBuilder().setAdd(AddElement.newBuilder().setPath(path)
        .setElementJson("\"" + element + "\"")).build();
  }

  static Operation increment(String path) {
    return Operation.newBuilder().setIncrement(Increment.newBuilder().setPath(path).setAmount(1))
        .build();
  }

  static Operation set(String path, String value) {
    return Operation.newBuilder().setSet(Set.newBuilder().setPath(path)
        .setValueJson("\"" + value + "\"")).build();
  }

  static Operation insert(String path, int index, String text) {
    return Operation.newBuilder().setTextInsert(TextInsert.newBuilder().setPath(path)
        .setIndex(index).setText(text)).build();
  }

  static Operation delete(String path, int index, int count) {
    return Operation.newBuilder().setTextDelete(TextDelete.newBuilder().setPath(path)
        .setIndex(index).setCount(count)).build();
  }

  /** The document's JSON at one daemon (throws StatusRuntimeException if unreachable). */
  static String get(DocumentsBlockingStub api, String key) {
    return api.withDeadlineAfter(Workload.DEADLINE_MILLIS, TimeUnit.MILLISECONDS)
        .get(GetRequest.newBuilder().setKey(key).build()).getJson();
  }

  /** Field {@code name} of a document's JSON, or null if absent. */
  static JsonElement field(String json, String name) {
    JsonObject o = JsonParser.parseString(json).getAsJsonObject();
    return o.has(name) ? o.get(name) : null;
  }
}
