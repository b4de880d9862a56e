package io.kebridge.serve.grpc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kebridge.serve.InferenceServer;
import io.kebridge.serve.TestModels;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A second opinion on wire compatibility: Python's grpcio (gRPC C-core, upb protobuf) with stubs
 * that grpc_tools compiles from this project's .proto files drives the server's RPCs. Skipped,
 * with a note, where python3 or grpcio and grpcio-tools are missing ({@code .ci/run} installs them
 * when it can).
 */
class PythonGrpcPeerTest {
  @TempDir Path dir;

  static boolean pythonGrpc() {
    try {
      Process p = new ProcessBuilder("python3", "-c", "import grpc, grpc_tools.protoc")
          .redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  @Test
  void pythonsGrpcioTalksToTheServer() throws Exception {
    boolean available = pythonGrpc();
    if (!available) {
      System.err.println("PythonGrpcPeerTest: SKIPPED: python3 with grpcio and grpcio-tools is not"
          + " installed (pip install grpcio grpcio-tools)");
    }
    assumeTrue(available, "python3 with grpcio and grpcio-tools is not installed");
    Path repo = dir.resolve("repo");
    Path file = TestModels.write(repo, "digits", 1, 11);
    float[][] images = TestModels.images(2, 3);
    Path input = dir.resolve("images.json");
    Files.writeString(input, new ObjectMapper().writeValueAsString(images));
    Path script = dir.resolve("grpc_peer.py");
    try (InputStream in = getClass().getResourceAsStream("/python/grpc_peer.py")) {
      Files.write(script, in.readAllBytes());
    }
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo).token("py-token")
        .build())) {
      Process p = new ProcessBuilder("python3", script.toString(),
          Path.of("src/main/proto").toAbsolutePath().toString(),
          Path.of("../model-config/src/main/proto").toAbsolutePath().toString(),
          server.grpcTarget(), "py-token", input.toString())
          .redirectError(ProcessBuilder.Redirect.INHERIT).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the Python client did not finish");
      assertEquals(0, p.exitValue(), out);
      JsonNode seen = new ObjectMapper().readTree(out);
      assertTrue(seen.get("live").asBoolean());
      assertTrue(seen.get("ready").asBoolean());
      assertEquals("UNAUTHENTICATED", seen.get("metadata_without_token").asText());
      assertTrue(seen.get("extensions").toString().contains("classification"));
      assertEquals("[-1,1,8,8]", seen.get("input_shape").toString());
      assertTrue(seen.get("model_ready").asBoolean());
      assertEquals("onnxruntime_onnx", seen.get("config").get("platform").asText());
      assertEquals("[1,8,8]", seen.get("config").get("dims").toString());
      assertEquals("py-1", seen.get("id").asText());
      float[][] expected = TestModels.logits(file, images);
      JsonNode raw = seen.get("raw_logits");
      assertEquals(20, raw.size());
      for (int i = 0; i < 20; i++) {
        float e = expected[i / 10][i % 10];
        assertEquals(e, raw.get(i).floatValue(), 1e-4 * Math.max(1, Math.abs(e)));
      }
      assertEquals(2, seen.get("classification").size());
      assertTrue(seen.get("classification").get(0).asText().contains(":digit-"));
      JsonNode codes = seen.get("codes");
      assertEquals("NOT_FOUND", codes.get("unknown_model").asText());
      assertEquals("INVALID_ARGUMENT", codes.get("bad_shape").asText());
      assertEquals("UNAUTHENTICATED", codes.get("wrong_token").asText());
      assertEquals("FAILED_PRECONDITION", codes.get("load_in_poll_mode").asText());
      assertEquals(4, seen.get("inference_count").asLong());
      assertEquals(List.of("digits/1 READY"),
          List.of(seen.get("index").get(0).asText()));
    }
  }
}
