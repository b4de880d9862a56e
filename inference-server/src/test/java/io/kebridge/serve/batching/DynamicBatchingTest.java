package io.kebridge.serve.batching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.kebridge.serve.InferenceServer;
import io.kebridge.serve.TestClient;
import io.kebridge.serve.TestModels;
import io.kebridge.serve.session.ModelSession;
import io.kebridge.serve.session.SessionSettings;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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

  @Test
  void aLoneRequestRunsAtOnceButAnAnnouncedOneIsWaitedFor() throws Exception {
    Path file = TestModels.write(repo, "digits", 1, 3);
    float[][] images = TestModels.images(2, 5);
    long[] shape = {1, 1, 8, 8};
    // A queue delay far above what one run of the tiny model takes.
    BatchingSettings settings = BatchingSettings.merging(8, Duration.ofSeconds(3), 16, 1);
    try (ModelSession session = ModelSession.open("digits", 1, file, SessionSettings.defaults());
        DynamicBatcher batcher = new DynamicBatcher(session, settings, BatchObserver.NONE,
            new Arrivals())) {
      long t0 = System.nanoTime();
      BatchResult alone = batcher.submit(new BatchRequest(List.of(images[0]), List.of(shape)))
          .result().get(10, TimeUnit.SECONDS);
      double seconds = (System.nanoTime() - t0) / 1e9;
      assertEquals(1, alone.batchRows());
      assertTrue(seconds < 1.5, "a lone request waited " + seconds + " s for company");

      // A second request announced while the first is queued joins the first one's run.
      BatchRequest first;
      try (Arrivals.Arrival arrival = batcher.announce()) {
        first = batcher.submit(new BatchRequest(List.of(images[0]), List.of(shape)));
        Thread.sleep(300);
        assertFalse(first.result().isDone(), "the batch ran without the announced request");
        BatchRequest second =
            batcher.submit(new BatchRequest(List.of(images[1]), List.of(shape)));
        arrival.close();
        assertEquals(2, second.result().get(10, TimeUnit.SECONDS).batchRows());
      }
      assertEquals(2, first.result().get(10, TimeUnit.SECONDS).batchRows());

      // An announcement withdrawn without a request (a body that failed to parse) releases the
      // waiting batch at once rather than after the whole delay.
      Arrivals.Arrival failed = batcher.announce();
      BatchRequest waiting = batcher.submit(new BatchRequest(List.of(images[0]), List.of(shape)));
      Thread.sleep(200);
      assertFalse(waiting.result().isDone());
      long t1 = System.nanoTime();
      failed.close();
      assertEquals(1, waiting.result().get(10, TimeUnit.SECONDS).batchRows());
      double released = (System.nanoTime() - t1) / 1e9;
      assertTrue(released < 1.5, "the batch waited " + released + " s after the withdrawal");
    }
  }

  static double metric(String text, String name) {
    return TestClient.samples(text, name).entrySet().stream()
        .filter(e -> e.getKey().contains("model=\"digits\"")).map(Map.Entry::getValue)
        .findFirst().orElseThrow(() -> new AssertionError(name + " missing:\n" + text));
  }
}
