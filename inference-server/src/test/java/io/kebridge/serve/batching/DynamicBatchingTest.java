package io.kebridge.serve.batching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.kebridge.serve.InferenceServer;
import io.kebridge.serve.TestClient;
import io.kebridge.serve.TestModels;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Concurrent requests share ONNX Runtime runs, each gets its own rows back, and a full queue
 * answers 503 at once. */
class DynamicBatchingTest {
  @TempDir Path repo;

  @Test
  void concurrentRequestsShareRunsAndGetTheirOwnRows() throws Exception {
    Path file = TestModels.write(repo, "digits", 1, 3);
    int clients = 16;
    int perClient = 4;
    float[][] images = TestModels.images(clients * perClient, 77);
    float[][] expected = TestModels.logits(file, images);
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo)
        .maxQueueDelay(Duration.ofMillis(40)).maxBatchSize(64).build())) {
      TestClient client = new TestClient(server.url(), null);
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      try {
        CyclicBarrier start = new CyclicBarrier(clients);
        List<Future<?>> done = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
          int first = c * perClient;
          done.add(pool.submit(() -> {
            start.await();
            for (int i = first; i < first + perClient; i++) {
              HttpResponse<byte[]> r = client.postJson("/v2/models/digits/infer",
                  TestClient.inferJson("r" + i, new float[][] {images[i]}));
              assertEquals(200, r.statusCode());
              JsonNode body = TestClient.json(r);
              assertEquals("r" + i, body.get("id").asText());
              float[] got = TestClient.logits(body, 10)[0];
              for (int j = 0; j < 10; j++) {
                assertEquals(expected[i][j], got[j], 1e-4 * Math.max(1, Math.abs(got[j])));
              }
            }
            return null;
          }));
        }
        for (Future<?> f : done) {
          f.get();
        }
      } finally {
        pool.shutdown();
      }
      String metrics = new String(client.get("/metrics").body(), StandardCharsets.UTF_8);
      double count = metric(metrics, "ke_batch_size_count");
      double max = metric(metrics, "ke_batch_size_max");
      assertTrue(max > 1, "no batch held more than one row:\n" + metrics);
      assertTrue(count < clients * perClient,
          "every request ran on its own (" + count + " runs)");
    }
  }

  @Test
  void aFullQueueAnswers503WithRetryAfter() throws Exception {
    TestModels.write(repo, "digits", 1, 3);
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo)
        .maxBatchSize(1).maxQueueSize(1).build())) {
      TestClient client = new TestClient(server.url(), null);
      String body = TestClient.inferJson(null, TestModels.images(256, 1));
      int clients = 24;
      ExecutorService pool = Executors.newFixedThreadPool(clients);
      List<HttpResponse<byte[]>> answers = new ArrayList<>();
      try {
        CyclicBarrier start = new CyclicBarrier(clients);
        List<Future<HttpResponse<byte[]>>> futures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
          futures.add(pool.submit(() -> {
            start.await();
            return client.postJson("/v2/models/digits/infer", body);
          }));
        }
        for (Future<HttpResponse<byte[]>> f : futures) {
          answers.add(f.get());
        }
      } finally {
        pool.shutdown();
      }
      int refused = 0;
      for (HttpResponse<byte[]> r : answers) {
        if (r.statusCode() == 503) {
          refused++;
          assertTrue(r.headers().firstValue("Retry-After").isPresent());
          assertTrue(TestClient.json(r).get("error").asText().contains("overloaded"));
        } else {
          assertEquals(200, r.statusCode());
        }
      }
      assertTrue(refused > 0, "a queue of one never overflowed under " + clients + " clients");
      assertEquals(200, client.postJson("/v2/models/digits/infer", body).statusCode());
    }
  }

  static double metric(String text, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + "\\{[^}]*model=\"digits\"[^}]*\\} (\\S+)")
        .matcher(text);
    assertTrue(m.find(), name + " missing:\n" + text);
    return Double.parseDouble(m.group(1));
  }
}
