package io.kebridge.serve.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.kebridge.serve.InferenceServer;
import io.kebridge.serve.TestClient;
import io.kebridge.serve.TestModels;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Models replaced, added and removed on disk are picked up while requests keep succeeding. */
class HotReloadTest {
  @TempDir Path repo;

  @Test
  void replacingAModelUnderLoadFailsNoRequestAndServesTheNewWeights() throws Exception {
    Path file = TestModels.write(repo, "digits", 1, 1);
    float[][] image = TestModels.images(1, 4);
    float[] before = TestModels.logits(file, image)[0];
    Path staging = Files.createTempDirectory("stage");
    Path replacement = TestModels.write(staging, "digits", 1, 2);
    float[] after = TestModels.logits(replacement, image)[0];
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo)
        .pollInterval(Duration.ofMillis(50)).build())) {
      TestClient client = new TestClient(server.url(), null);
      String body = TestClient.inferJson(null, image);
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger ok = new AtomicInteger();
      AtomicInteger sawNew = new AtomicInteger();
      ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        Runnable worker = () -> {
          while (!stop.get()) {
            HttpResponse<byte[]> r = client.postJson("/v2/models/digits/infer", body);
            if (r.statusCode() != 200) {
              failures.add(r.statusCode() + " " + new String(r.body(), StandardCharsets.UTF_8));
              continue;
            }
            float got = TestClient.logits(TestClient.json(r), 10)[0][0];
            if (close(got, before[0])) {
              ok.incrementAndGet();
            } else if (close(got, after[0])) {
              ok.incrementAndGet();
              sawNew.incrementAndGet();
            } else {
              failures.add("logit " + got + " matches neither model");
            }
          }
        };
        List<Future<?>> load = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
          load.add(pool.submit(worker));
        }
        Thread.sleep(300);
        // What an export does: a new file renamed over the old one.
        Path tmp = file.resolveSibling("model.onnx.tmp");
        Files.copy(replacement, tmp);
        Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (sawNew.get() < 20 && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        stop.set(true);
        for (Future<?> f : load) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }
      assertTrue(failures.isEmpty(), "failed requests: " + failures);
      assertTrue(sawNew.get() >= 20, "the replacement was never served");
      assertTrue(ok.get() > sawNew.get(), "the old model never served");
    }
  }

  @Test
  void addedAndRemovedModelsAppearAndDisappearWithoutRestart() throws Exception {
    TestModels.write(repo, "digits", 1, 1);
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo)
        .pollInterval(Duration.ofMillis(50)).build())) {
      TestClient client = new TestClient(server.url(), null);
      assertEquals(404, client.get("/v2/models/letters").statusCode());
      TestModels.write(repo, "letters", 3, 5);
      waitFor(() -> client.get("/v2/models/letters/versions/3/ready").statusCode() == 200);
      JsonNode meta = TestClient.json(client.get("/v2/models/letters"));
      assertEquals("[\"3\"]", meta.get("versions").toString());
      try (Stream<Path> files = Files.walk(repo.resolve("letters"))) {
        files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
      waitFor(() -> client.get("/v2/models/letters").statusCode() == 404);
      assertEquals(200, client.postJson("/v2/models/digits/infer",
          TestClient.inferJson(null, TestModels.images(1, 1))).statusCode());
    }
  }

  @Test
  void aBrokenNewVersionIsReportedAndTheOldVersionKeepsServing() throws Exception {
    TestModels.write(repo, "digits", 1, 1);
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo)
        .versionPolicy(io.kebridge.serve.config.VersionPolicy.LATEST)
        .pollInterval(Duration.ofMillis(50)).build())) {
      TestClient client = new TestClient(server.url(), null);
      Files.createDirectories(repo.resolve("digits/2"));
      Files.writeString(repo.resolve("digits/2/model.onnx"), "not an onnx file");
      waitFor(() -> client.get("/v2/health/ready").statusCode() == 400);
      assertEquals("[\"1\"]", TestClient.json(client.get("/v2/models/digits")).get("versions")
          .toString());
      assertEquals(200, client.postJson("/v2/models/digits/infer",
          TestClient.inferJson(null, TestModels.images(1, 1))).statusCode());
      TestModels.write(repo, "digits", 2, 2);
      waitFor(() -> client.get("/v2/health/ready").statusCode() == 200);
      assertEquals("[\"2\"]", TestClient.json(client.get("/v2/models/digits")).get("versions")
          .toString());
    }
  }

  private static boolean close(float a, float b) {
    return Math.abs(a - b) <= 1e-4 * Math.max(1, Math.abs(b));
  }

  private static void waitFor(java.util.function.BooleanSupplier condition) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, "timed out waiting for the repository");
      Thread.sleep(20);
    }
  }
}
