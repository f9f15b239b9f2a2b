package dev.meridian.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.meridian.peer.cli.Main;
import dev.meridian.peer.config.ConfigFile;
import dev.meridian.peer.config.HostPort;
import dev.meridian.peer.config.PeerConfig;
import dev.meridian.peer.config.TlsConfig;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The Kubernetes manifests in {@code deploy/kubernetes}: each is a valid object of the Kubernetes
 * API (strict, as {@code kubectl apply} validates it; see {@link KubernetesSchema}), broken ones
 * are refused, and the parts fit together as the fleet needs them to: the ConfigMap's file is read
 * by the daemon's own command line exactly as a pod runs it, each peer dials every pod's stable
 * name, the probes ask the health port, and each pod gets its own certificate.
 */
class KubernetesManifestsTest {
  private static final Logger LOG = LoggerFactory.getLogger(KubernetesManifestsTest.class);
  /** Relative to this module's directory, where Surefire runs the tests. */
  private static final Path MANIFESTS = Path.of("kubernetes");
  private static final Path DEFINITIONS = Path.of("schema", "kubernetes-definitions.json");
  private static final String KUSTOMIZATION = "kustomization.yaml";

  private static KubernetesSchema schema;
  private static List<Manifest> manifests;

  /** One YAML document of a manifest file. */
  record Manifest(Path file, Map<String, Object> body) {
    String kind() {
      return (String) body.get("kind");
    }

    String name() {
      return text(body, "metadata", "name");
    }
  }

  @BeforeAll
  static void load() throws IOException {
    schema = KubernetesSchema.load(DEFINITIONS);
    List<Manifest> all = new ArrayList<>();
    for (Path file : manifestFiles()) {
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        for (Object doc : yaml().loadAll(r)) {
          if (doc != null) {
            all.add(new Manifest(file, map(doc)));
          }
        }
      }
    }
    manifests = List.copyOf(all);
    LOG.info("{} manifests in {}: {}", manifests.size(), MANIFESTS.toAbsolutePath(),
        manifests.stream().map(m -> m.kind() + "/" + m.name()).toList());
  }

  private static Yaml yaml() {
    return new Yaml(new SafeConstructor(new LoaderOptions()));
  }

  private static List<Path> manifestFiles() throws IOException {
    try (Stream<Path> files = Files.list(MANIFESTS)) {
      return files.filter(f -> f.getFileName().toString().endsWith(".yaml"))
          .filter(f -> !f.getFileName().toString().equals(KUSTOMIZATION))
          .sorted().toList();
    }
  }

  @Test
  void everyManifest_isAValidKubernetesObject() {
    assertFalse(manifests.isEmpty(), "no manifests in " + MANIFESTS.toAbsolutePath());
    List<String> problems = new ArrayList<>();
    for (Manifest m : manifests) {
      for (String error : schema.validate(m.body())) {
        problems.add(m.file().getFileName() + " " + m.kind() + "/" + m.name() + " " + error);
      }
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void brokenManifests_areRefused() {
    Manifest sts = one("StatefulSet");
    assertRefused(sts, "/spec/replicas", m -> map(m, "spec").put("replicas", "three"));
    assertRefused(sts, "/spec/template/spec/containers/0/readinessProbe", m -> {
      Map<String, Object> probe = map(containers(m).get(0), "readinessProbe");
      probe.put("grcp", probe.remove("grpc"));
    });
    assertRefused(sts, "/spec", m -> map(m, "spec").put("servicName", map(m, "spec").remove("serviceName")));
    assertRefused(sts, "/spec/template/spec/containers/0/ports/0/containerPort",
        m -> map(list(containers(m).get(0), "ports").get(0)).put("containerPort", "7400"));
    assertRefused(one("PodDisruptionBudget"), "/spec",
        m -> map(m, "spec").put("maxUnavailabel", map(m, "spec").remove("maxUnavailable")));
    assertRefused(one("ConfigMap"), "/data/peer.yaml",
        m -> map(m, "data").put("peer.yaml", Map.of("listen", "0.0.0.0:7400")));
  }

  /** A copy of {@code m}, broken by {@code breakIt}, gets an error at {@code location}. */
  private static void assertRefused(Manifest m, String location, Consumer<Map<String, Object>> breakIt) {
    Map<String, Object> broken = map(copy(m.body()));
    breakIt.accept(broken);
    List<String> errors = schema.validate(broken);
    LOG.info("{}/{} broken at {}: {}", m.kind(), m.name(), location, errors);
    assertTrue(errors.stream().anyMatch(e -> e.startsWith(location + ":")),
        "expected an error at " + location + ", got " + errors);
  }

  @Test
  void kustomization_listsEveryManifest() throws IOException {
    Map<String, Object> k;
    try (Reader r = Files.newBufferedReader(MANIFESTS.resolve(KUSTOMIZATION), StandardCharsets.UTF_8)) {
      k = map(yaml().load(r));
    }
    assertEquals("Kustomization", k.get("kind"));
    Set<String> listed = new TreeSet<>(strings(k.get("resources")));
    Set<String> present = manifestFiles().stream().map(f -> f.getFileName().toString())
        .collect(Collectors.toCollection(TreeSet::new));
    assertEquals(present, listed);
  }

  @Test
  void statefulSet_hasAHeadlessServiceABudgetAndAVolumePerPeer() {
    Manifest sts = one("StatefulSet");
    Map<String, Object> labels = map(sts.body(), "spec", "template", "metadata", "labels");
    assertEquals(labels, map(sts.body(), "spec", "selector", "matchLabels"));

    Manifest headless = service(text(sts.body(), "spec", "serviceName"));
    assertEquals("None", text(headless.body(), "spec", "clusterIP"));
    assertEquals(true, map(headless.body(), "spec").get("publishNotReadyAddresses"),
        "peers starting together must find each other before they are ready");
    for (Manifest s : manifests("Service")) {
      assertEquals(labels, map(s.body(), "spec", "selector"), s.name());
      Set<String> portNames = containerPorts(sts).keySet();
      for (Object port : list(map(s.body(), "spec"), "ports")) {
        assertTrue(portNames.contains(text(map(port), "targetPort")), s.name() + " " + port);
      }
    }

    Manifest pdb = one("PodDisruptionBudget");
    assertEquals(labels, map(pdb.body(), "spec", "selector", "matchLabels"));
    assertEquals(1, map(pdb.body(), "spec").get("maxUnavailable"));

    List<Object> claims = list(map(sts.body(), "spec"), "volumeClaimTemplates");
    assertEquals(1, claims.size());
    String claim = text(map(claims.get(0)), "metadata", "name");
    assertTrue(mounts(sts).containsKey(claim), "the claim " + claim + " is mounted");
    assertEquals(List.of("ReadWriteOnce"), list(map(map(claims.get(0)), "spec"), "accessModes"));
  }

  @Test
  void probes_askTheGrpcHealthPort() {
    Manifest sts = one("StatefulSet");
    Map<String, Object> container = containers(sts.body()).get(0);
    int health = containerPorts(sts).get("health");
    for (String probe : List.of("startupProbe", "readinessProbe", "livenessProbe")) {
      Map<String, Object> grpc = map(container, probe, "grpc");
      assertEquals(health, grpc.get("port"), probe);
    }
  }

  @Test
  void tlsVolume_givesEachPodItsOwnCertificate() {
    Manifest sts = one("StatefulSet");
    int replicas = (Integer) map(sts.body(), "spec").get("replicas");
    Map<String, Object> tlsMount = mounts(sts).get("tls");
    assertEquals("$(POD_NAME)", tlsMount.get("subPathExpr"));
    assertEquals("metadata.name", podNameField(sts));
    List<Object> sources = list(map(volumes(sts).get("tls"), "projected"), "sources");
    assertEquals(replicas, sources.size());
    for (int i = 0; i < replicas; i++) {
      String pod = sts.name() + "-" + i;
      Map<String, Object> secret = map(sources.get(i), "secret");
      assertEquals("meridian-tls-" + pod, secret.get("name"));
      for (Object item : list(secret, "items")) {
        assertTrue(text(map(item), "path").startsWith(pod + "/"), pod + ": " + item);
      }
    }
  }

  /**
   * The ConfigMap's file, read by the daemon's own command line as pod {@code meridian-0} runs
   * it: its args, the file where the config volume puts it, its TLS files where the tls volume
   * puts them. Every path of the pod is re-rooted under a temporary directory.
   */
  @Test
  void configMap_isReadByThePeerAsThePodRunsIt(@TempDir Path root) throws Exception {
    Manifest sts = one("StatefulSet");
    String pod = sts.name() + "-0";
    Map<String, Map<String, Object>> mounts = mounts(sts);
    Map<String, Map<String, Object>> volumes = volumes(sts);
    List<String> mountPaths = mounts.values().stream().map(v -> (String) v.get("mountPath"))
        .sorted(Comparator.comparing(String::length).reversed()).toList();

    Map<String, Object> configVolume = volumes.get("config");
    Manifest configMap = one("ConfigMap");
    assertEquals(configMap.name(), text(configVolume, "configMap", "name"));
    Path configDir = reroot(root, (String) mounts.get("config").get("mountPath"));
    Files.createDirectories(configDir);
    for (Map.Entry<String, Object> file : map(configMap.body(), "data").entrySet()) {
      Files.writeString(configDir.resolve(file.getKey()),
          rerootText(root, mountPaths, (String) file.getValue()));
    }
    String tlsDir = (String) mounts.get("tls").get("mountPath");
    for (Object source : list(map(volumes.get("tls"), "projected"), "sources")) {
      for (Object item : list(map(source, "secret"), "items")) {
        String path = text(map(item), "path");
        if (path.startsWith(pod + "/")) {
          Path file = reroot(root, tlsDir + "/" + path.substring(pod.length() + 1));
          Files.createDirectories(file.getParent());
          Files.writeString(file, "placeholder: the peer reads certificates when it starts\n");
        }
      }
    }

    List<String> args = new ArrayList<>();
    for (String arg : strings(containers(sts.body()).get(0).get("args"))) {
      args.add(rerootText(root, mountPaths, arg.replace("$(POD_NAME)", pod)));
    }
    args.add("--print-config");
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Main.run(new PrintWriter(out), new PrintWriter(err), args.toArray(String[]::new));
    assertEquals(0, code, "meridian " + String.join(" ", args) + ": " + err);
    PeerConfig config = ConfigFile.load(Files.writeString(root.resolve("effective.yaml"),
        out.toString())).build();
    LOG.info("pod {} runs with {}", pod, config);

    assertEquals(Optional.of(pod), config.site());
    int replicas = (Integer) map(sts.body(), "spec").get("replicas");
    Map<String, Integer> ports = containerPorts(sts);
    String service = text(sts.body(), "spec", "serviceName");
    assertEquals(IntStream.range(0, replicas)
            .mapToObj(i -> sts.name() + "-" + i + "." + service + ":" + ports.get("grpc")).toList(),
        config.peers().stream().map(HostPort::toString).toList(),
        "each peer dials every pod's stable name");
    assertReachable(config.listen().orElseThrow(), ports.get("grpc"));
    assertReachable(config.metrics().orElseThrow(), ports.get("metrics"));
    assertReachable(config.health().orElseThrow(), ports.get("health"));
    assertEquals(reroot(root, (String) mounts.get("data").get("mountPath")), config.dataDir());
    TlsConfig tls = config.tls().orElseThrow(() -> new AssertionError("the fleet runs mutual TLS"));
    for (Path file : List.of(tls.cert(), tls.key(), tls.ca())) {
      assertTrue(file.startsWith(reroot(root, tlsDir)), file + " is on the tls volume");
    }
  }

  /** Listens on {@code port} of an address other pods (and the kubelet) can reach. */
  private static void assertReachable(HostPort address, int port) {
    assertEquals(port, address.port(), address.toString());
    assertFalse(address.isLoopback(), address + " is loopback");
  }

  private static Path reroot(Path root, String absolute) {
    return root.resolve(absolute.substring(1));
  }

  /**
   * {@code text} with every path under one of {@code mountPaths} moved under {@code root}, in one
   * pass (the temporary root may itself lie under a mount path, such as /tmp).
   */
  private static String rerootText(Path root, List<String> mountPaths, String text) {
    String alternatives = mountPaths.stream().map(Pattern::quote).collect(Collectors.joining("|"));
    Matcher m = Pattern.compile("(?<![\\w./-])(" + alternatives + ")(?=/|\\s|$)").matcher(text);
    return m.replaceAll(r -> Matcher.quoteReplacement(reroot(root, r.group(1)).toString()));
  }

  // ---- navigation in YAML documents (maps, lists, scalars) ----

  private static Manifest one(String kind) {
    List<Manifest> found = manifests(kind);
    assertEquals(1, found.size(), "one " + kind);
    return found.get(0);
  }

  private static List<Manifest> manifests(String kind) {
    return manifests.stream().filter(m -> kind.equals(m.kind())).toList();
  }

  private static Manifest service(String name) {
    return manifests("Service").stream().filter(s -> s.name().equals(name)).findFirst()
        .orElseThrow(() -> new AssertionError("no Service " + name));
  }

  private static List<Map<String, Object>> containers(Map<String, Object> sts) {
    return list(map(sts, "spec", "template", "spec"), "containers").stream()
        .map(KubernetesManifestsTest::map).toList();
  }

  private static Map<String, Integer> containerPorts(Manifest sts) {
    Map<String, Integer> ports = new LinkedHashMap<>();
    for (Object p : list(containers(sts.body()).get(0), "ports")) {
      ports.put(text(map(p), "name"), (Integer) map(p).get("containerPort"));
    }
    return ports;
  }

  private static Map<String, Map<String, Object>> mounts(Manifest sts) {
    return byName(list(containers(sts.body()).get(0), "volumeMounts"));
  }

  private static Map<String, Map<String, Object>> volumes(Manifest sts) {
    return byName(list(map(sts.body(), "spec", "template", "spec"), "volumes"));
  }

  private static String podNameField(Manifest sts) {
    for (Object env : list(containers(sts.body()).get(0), "env")) {
      if ("POD_NAME".equals(map(env).get("name"))) {
        return text(map(env), "valueFrom", "fieldRef", "fieldPath");
      }
    }
    return fail("no POD_NAME in the container's env");
  }

  private static Map<String, Map<String, Object>> byName(List<Object> items) {
    Map<String, Map<String, Object>> out = new LinkedHashMap<>();
    for (Object item : items) {
      out.put(text(map(item), "name"), map(item));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> map(Object node, String... path) {
    Object at = node;
    for (String key : path) {
      assertTrue(at instanceof Map, "expected a mapping above " + key + ", got " + at);
      at = ((Map<String, Object>) at).get(key);
    }
    assertTrue(at instanceof Map, "expected a mapping at " + String.join(".", path) + ", got " + at);
    return (Map<String, Object>) at;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Map<String, Object> node, String key) {
    Object at = node.get(key);
    assertTrue(at instanceof List, "expected a list at " + key + ", got " + at);
    return (List<Object>) at;
  }

  private static List<String> strings(Object node) {
    assertTrue(node instanceof List, "expected a list, got " + node);
    return ((List<?>) node).stream().map(String.class::cast).toList();
  }

  static String text(Map<String, Object> node, String... path) {
    Object parent = path.length == 1 ? node : map(node, Arrays.copyOf(path, path.length - 1));
    Object value = ((Map<?, ?>) parent).get(path[path.length - 1]);
    assertTrue(value instanceof String, "expected text at " + String.join(".", path) + ", got " + value);
    return (String) value;
  }

  /** A deep copy of a YAML document, every mapping and list mutable. */
  private static Object copy(Object node) {
    if (node instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, v) -> out.put((String) k, copy(v)));
      return out;
    }
    if (node instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(v -> out.add(copy(v)));
      return out;
    }
    return node;
  }
}
