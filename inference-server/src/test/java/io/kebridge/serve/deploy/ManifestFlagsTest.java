package io.kebridge.serve.deploy;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.databind.MappingIterator;
import io.kebridge.serve.ServerMain;
import io.kebridge.serve.config.ServerConfig;
import io.kebridge.serve.config.ServerSetting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every manifest in {@code deploy/} passes only flags and {@code KE_SERVE_*} variables the server
 * really has: each server container's args are parsed by ke-serve's own command line, its env
 * names are checked against the settings, and its probes and ports agree with the flags.
 */
class ManifestFlagsTest {
  private static final Path DEPLOY = Path.of("..", "deploy");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** A server container of a manifest, with where it came from. */
  record Container(Path file, String kind, JsonNode spec) {}

  static List<Container> containers() throws IOException {
    List<Container> out = new ArrayList<>();
    try (Stream<Path> files = Files.walk(DEPLOY)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class)
            .readValues(f.toFile())) {
          for (JsonNode doc : docs.readAll()) {
            String kind = doc.path("kind").asText();
            JsonNode list = switch (kind) {
              case "Deployment" -> doc.path("spec").path("template").path("spec")
                  .path("containers");
              case "ServingRuntime" -> doc.path("spec").path("containers");
              default -> null;
            };
            if (list != null) {
              list.forEach(c -> out.add(new Container(f, kind, c)));
            }
          }
        }
      }
    }
    return out;
  }

  @Test
  void everyServerContainerArgumentIsARealOption() throws IOException {
    List<Container> containers = containers();
    assertEquals(Set.of("Deployment", "ServingRuntime"),
        containers.stream().map(Container::kind).collect(Collectors.toSet()));
    for (Container c : containers) {
      List<String> args = new ArrayList<>();
      c.spec().path("args").forEach(a -> args.add(a.asText()));
      assertFalse(args.isEmpty(), c.file() + ": the server container passes no arguments");
      String where = c.file() + " " + c.spec().path("name").asText();
      ServerConfig config = assertDoesNotThrow(
          () -> ServerMain.parse(args.toArray(String[]::new), Map.of()),
          where + ": " + args + " is not a valid ke-serve command line");
      // Both ports bind every interface inside a pod; the default is loopback.
      assertEquals("0.0.0.0", config.host(), where);
      if (c.kind().equals("ServingRuntime")) {
        assertEquals("kserve-container", c.spec().path("name").asText(), where);
        assertEquals(Path.of("/mnt/models"), config.repository(), where);
      }
      int http = config.port();
      for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
        JsonNode get = c.spec().path(probe).path("httpGet");
        if (get.isMissingNode()) {
          continue;
        }
        String path = get.path("path").asText();
        assertTrue(path.equals("/v2/health/ready") || path.equals("/v2/health/live"),
            where + " " + probe + " " + path);
        JsonNode port = get.path("port");
        int number = port.isInt() ? port.asInt() : portNamed(c.spec(), port.asText());
        assertEquals(http, number, where + " " + probe + " port");
      }
      if (c.spec().has("ports")) {
        assertEquals(http, portNamed(c.spec(), "http"), where);
        assertEquals(config.grpcPort(), portNamed(c.spec(), "grpc"), where);
      }
      Set<String> env = Arrays.stream(ServerSetting.values()).map(ServerSetting::envName)
          .collect(Collectors.toSet());
      for (JsonNode e : c.spec().path("env")) {
        String name = e.path("name").asText();
        if (name.startsWith("KE_SERVE_")) {
          assertTrue(env.contains(name), where + ": " + name + " is no server setting");
        }
      }
    }
  }

  @Test
  void kserveExamplesUseTheRuntimesPortsAndProtocols() throws IOException {
    JsonNode runtime = YAML.readTree(DEPLOY.resolve("kserve/servingruntime.yaml").toFile());
    List<String> protocols = new ArrayList<>();
    runtime.path("spec").path("protocolVersions").forEach(p -> protocols.add(p.asText()));
    assertEquals(List.of("v2", "grpc-v2"), protocols);
    List<String> args = new ArrayList<>();
    runtime.path("spec").path("containers").get(0).path("args").forEach(a -> args.add(a.asText()));
    ServerConfig config = ServerMain.parse(args.toArray(String[]::new), Map.of());
    JsonNode grpc = YAML.readTree(DEPLOY.resolve("kserve/inferenceservice-grpc.yaml").toFile());
    JsonNode port = grpc.path("spec").path("predictor").path("model").path("ports").get(0);
    assertEquals("h2c", port.path("name").asText());
    assertEquals(config.grpcPort(), port.path("containerPort").asInt());
    assertEquals("grpc-v2", grpc.path("spec").path("predictor").path("model")
        .path("protocolVersion").asText());
    assertEquals("ke-bridge", grpc.path("spec").path("predictor").path("model").path("runtime")
        .asText());
  }

  private static int portNamed(JsonNode container, String name) {
    for (JsonNode p : container.path("ports")) {
      if (p.path("name").asText().equals(name)) {
        return p.path("containerPort").asInt();
      }
    }
    throw new AssertionError("no container port named " + name + " in " + container);
  }
}
