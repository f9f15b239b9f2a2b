package dev.meridian.deploy;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The Kubernetes API's object schemas, from the OpenAPI definitions kept in {@code
 * deploy/schema/kubernetes-definitions.json} (see its README), made as strict as the API server's
 * field validation ({@code kubectl apply} with {@code --validate=strict}, the default): an object
 * with declared properties accepts no other property, so a misspelt field is an error rather than
 * something the server drops.
 *
 * <p>Two definitions are widened to what the API accepts, which the OpenAPI v2 document writes as
 * strings with a format: {@code IntOrString} (a port number or a port name) and {@code Quantity}
 * ({@code 1}, {@code 500m}, {@code 1Gi}).
 */
final class KubernetesSchema {
  /* Design notes.
   * [1] Draft 4 is the JSON Schema that OpenAPI v2 definitions are written in; every definition
   *     stays in one document and a manifest's schema is a {"$ref"} into it, so references
   *     resolve locally and nothing is fetched.
   * [2] The definition of a kind follows the API's naming: apiVersion group/version and kind K
   *     are io.k8s.api.<first label of the group, or core>.<version>.K. A kind that is not in
   *     the file has no schema, which the caller reports.
   */
  private static final String PREFIX = "#/definitions/";
  private static final String INT_OR_STRING = "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
  private static final String QUANTITY = "io.k8s.apimachinery.pkg.api.resource.Quantity";

  private final JsonMapper mapper = JsonMapper.builder().build();
  private final ObjectNode definitions;
  private final SchemaRegistry registry = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_4);
  private final Map<String, Schema> schemas = new ConcurrentHashMap<>();

  private KubernetesSchema(ObjectNode definitions) {
    this.definitions = definitions;
  }

  /** Reads the definitions file and makes it strict. */
  static KubernetesSchema load(Path file) throws IOException {
    JsonNode root = JsonMapper.builder().build().readTree(file.toFile());
    ObjectNode definitions = (ObjectNode) root.required("definitions");
    for (Map.Entry<String, JsonNode> d : definitions.properties()) {
      strict(d.getValue());
    }
    ObjectNode intOrString = definitions.objectNode();
    intOrString.set("type", definitions.arrayNode().add("integer").add("string"));
    definitions.set(INT_OR_STRING, intOrString);
    ObjectNode quantity = definitions.objectNode();
    quantity.set("type", definitions.arrayNode().add("number").add("string"));
    definitions.set(QUANTITY, quantity);
    return new KubernetesSchema(definitions);
  }

  /** Adds {@code additionalProperties: false} to every object schema with properties. */
  private static void strict(JsonNode schema) {
    if (schema instanceof ArrayNode array) {
      array.forEach(KubernetesSchema::strict);
      return;
    }
    if (!(schema instanceof ObjectNode object)) {
      return;
    }
    if (object.has("properties") && !object.has("additionalProperties")) {
      object.put("additionalProperties", false);
    }
    for (Map.Entry<String, JsonNode> e : object.properties()) {
      if (e.getKey().equals("properties")) {
        e.getValue().forEach(KubernetesSchema::strict);
      } else if (e.getValue().isContainer()) {
        strict(e.getValue());
      }
    }
  }

  /** The definition name of {@code apiVersion} and {@code kind} (design note [2]). */
  static String definitionName(String apiVersion, String kind) {
    int slash = apiVersion.indexOf('/');
    String group = slash < 0 ? "core" : apiVersion.substring(0, slash).split("\\.", -1)[0];
    String version = apiVersion.substring(slash + 1);
    return "io.k8s.api." + group.toLowerCase(Locale.ROOT) + "." + version + "." + kind;
  }

  /** True if the file has a schema for this kind. */
  boolean knows(String apiVersion, String kind) {
    return definitions.has(definitionName(apiVersion, kind));
  }

  /**
   * What is wrong with {@code manifest} (a YAML document as maps and lists) against the schema
   * of its apiVersion and kind: one line per error, its JSON pointer then the message ({@code
   * /spec/replicas: string found, integer expected}); empty if it
   * is valid.
   *
   * @throws IllegalArgumentException if there is no schema for its kind
   */
  List<String> validate(Object manifest) {
    JsonNode node = mapper.valueToTree(manifest);
    String name = definitionName(node.path("apiVersion").asString(""), node.path("kind").asString(""));
    if (!definitions.has(name)) {
      throw new IllegalArgumentException("no schema for apiVersion " + node.path("apiVersion")
          + ", kind " + node.path("kind") + " (" + name + ")");
    }
    Schema schema = schemas.computeIfAbsent(name, n -> {
      ObjectNode root = mapper.createObjectNode();
      root.put("$ref", PREFIX + n);
      root.set("definitions", definitions);
      return registry.getSchema(root);
    });
    return schema.validate(node).stream().map(KubernetesSchema::line).toList();
  }

  private static String line(Error e) {
    return e.getInstanceLocation() + ": " + e.getMessage();
  }
}
