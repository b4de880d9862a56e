package io.kebridge.serve.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.kebridge.serve.InferenceServer;
import io.kebridge.serve.TestClient;
import io.kebridge.serve.TestModels;
import io.kebridge.serve.config.ModelControlMode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Model control modes: explicit load and unload through the repository API; snapshots. */
class ModelControlTest {
  @TempDir Path repo;

  @Test
  void explicitModeLoadsOnlyWhatIsAskedForAndUnloadsOnRequest() {
    TestModels.write(repo, "digits", 1, 1);
    TestModels.write(repo, "letters", 1, 2);
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo)
        .controlMode(ModelControlMode.EXPLICIT).loadModels(List.of("letters")).build())) {
      TestClient client = new TestClient(server.url(), null);
      String infer = TestClient.inferJson(null, TestModels.images(1, 1));
      assertEquals(200, client.postJson("/v2/models/letters/infer", infer).statusCode());
      assertEquals(404, client.postJson("/v2/models/digits/infer", infer).statusCode());
      JsonNode index = TestClient.json(client.postJson("/v2/repository/index", "{}"));
      assertEquals("[{\"name\":\"digits\",\"version\":\"1\",\"state\":\"UNAVAILABLE\","
          + "\"reason\":\"unloaded\"},{\"name\":\"letters\",\"version\":\"1\",\"state\":\"READY\"}]",
          index.toString());
      assertEquals("[{\"name\":\"letters\",\"version\":\"1\",\"state\":\"READY\"}]",
          TestClient.json(client.postJson("/v2/repository/index", "{\"ready\":true}"))
              .toString());

      assertEquals(200, client.postJson("/v2/repository/models/digits/load", "").statusCode());
      assertEquals(200, client.postJson("/v2/models/digits/infer", infer).statusCode());
      assertEquals(200, client.postJson("/v2/repository/models/letters/unload", "{}")
          .statusCode());
      assertEquals(404, client.postJson("/v2/models/letters/infer", infer).statusCode());
      assertEquals(200, client.get("/v2/health/ready").statusCode());

      HttpResponse<byte[]> ghost = client.postJson("/v2/repository/models/ghost/load", "");
      assertEquals(404, ghost.statusCode());
      assertTrue(TestClient.json(ghost).get("error").asText().contains("ghost"));
      assertEquals(400, client.postJson("/v2/repository/models/digits/load", "[1]")
          .statusCode());
    }
  }

  @Test
  void aFailedExplicitLoadIsAClearErrorAndTheModelIsReportedUnavailable() throws Exception {
    Files.createDirectories(repo.resolve("broken/1"));
    Files.writeString(repo.resolve("broken/1/model.onnx"), "not an onnx file");
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo)
        .controlMode(ModelControlMode.EXPLICIT).build())) {
      TestClient client = new TestClient(server.url(), null);
      HttpResponse<byte[]> r = client.postJson("/v2/repository/models/broken/load", "");
      assertEquals(400, r.statusCode());
      assertTrue(TestClient.json(r).get("error").asText().contains("failed to load"));
      JsonNode index = TestClient.json(client.postJson("/v2/repository/index", ""));
      assertEquals("UNAVAILABLE", index.get(0).get("state").asText());
      assertEquals(400, client.get("/v2/health/ready").statusCode());
      assertEquals(200, client.postJson("/v2/repository/models/broken/unload", "").statusCode());
      assertEquals(200, client.get("/v2/health/ready").statusCode());
    }
  }

  @Test
  void healthProbesDoNotWaitForAModelThatIsLoading() throws Exception {
    TestModels.write(repo, "digits", 1, 1);
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo)
        .controlMode(ModelControlMode.EXPLICIT).loadModels(List.of("digits")).build())) {
      TestClient client = new TestClient(server.url(), null);
      ModelRepository repository = server.repository();
      TestModels.write(repo, "letters", 1, 2);
      // Hold the writers' lock as a long load would, then probe: readers use the snapshot.
      CompletableFuture<Integer> probe;
      Object lock = lockOf(repository);
      synchronized (lock) {
        probe = CompletableFuture.supplyAsync(() -> client.get("/v2/health/ready").statusCode()
            + client.get("/v2/models/digits/ready").statusCode()
            + client.get("/v2/models/ghost/ready").statusCode());
        assertEquals(200 + 200 + 404, probe.get(10, TimeUnit.SECONDS));
        assertTrue(repository.ready());
      }
    }
  }

  private static Object lockOf(ModelRepository repository) throws Exception {
    var f = ModelRepository.class.getDeclaredField("writeLock");
    f.setAccessible(true);
    return f.get(repository);
  }
}
