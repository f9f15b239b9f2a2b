package dev.meridian.peer.cli;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonPrimitive;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Message;
import java.util.Base64;
import java.util.List;

/**
 * A protobuf message as a JSON object, for {@code --json} output: every field, set or not, under
 * its proto3 JSON name (lowerCamelCase), enums by name, bytes in base64. Unlike the proto3 JSON
 * mapping, 64-bit integers are JSON numbers (not strings), which is what tools like jq expect.
 * Map fields and well-known types are not special-cased (the client API uses neither).
 */
final class ProtoJson {
  private ProtoJson() {}

  /** {@code message} as a JSON object. */
  static JsonObject toJson(Message message) {
    JsonObject o = new JsonObject();
    for (FieldDescriptor f : message.getDescriptorForType().getFields()) {
      if (f.hasPresence() && !message.hasField(f)) {
        if (f.getContainingOneof() != null) {
          continue;
        }
        o.add(f.getJsonName(), JsonNull.INSTANCE);
        continue;
      }
      Object v = message.getField(f);
      if (f.isRepeated()) {
        JsonArray a = new JsonArray();
        for (Object e : (List<?>) v) {
          a.add(value(f, e));
        }
        o.add(f.getJsonName(), a);
      } else {
        o.add(f.getJsonName(), value(f, v));
      }
    }
    return o;
  }

  private static JsonElement value(FieldDescriptor f, Object v) {
    switch (f.getJavaType()) {
      case MESSAGE:
        return toJson((Message) v);
      case ENUM:
        return new JsonPrimitive(((EnumValueDescriptor) v).getName());
      case BYTE_STRING:
        return new JsonPrimitive(Base64.getEncoder().encodeToString(((ByteString) v).toByteArray()));
      case BOOLEAN:
        return new JsonPrimitive((Boolean) v);
      case STRING:
        return new JsonPrimitive((String) v);
      default:
        return new JsonPrimitive((Number) v);
    }
  }
}
