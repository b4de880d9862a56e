package io.kebridge.serve.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.serve.InferenceServer;
import io.kebridge.serve.TestClient;
import io.kebridge.serve.TestModels;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The bearer token guards everything but health; shutdown answers the requests in flight. */
class TokenAndShutdownTest {
  @TempDir Path repo;

  @Test
  void aBearerTokenIsRequiredEverywhereButHealth() {
    TestModels.write(repo, "digits", 1, 1);
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo)
        .token("s3cret").build())) {
      TestClient anonymous = new TestClient(server.url(), null);
      TestClient wrong = new TestClient(server.url(), "guess");
      TestClient right = new TestClient(server.url(), "s3cret");
      assertEquals(200, anonymous.get("/v2/health/live").statusCode());
      assertEquals(200, anonymous.get("/v2/health/ready").statusCode());
      String infer = TestClient.inferJson(null, TestModels.images(1, 1));
      for (TestClient c : new TestClient[] {anonymous, wrong}) {
        for (HttpResponse<byte[]> r : List.of(c.get("/v2"), c.get("/v2/models/digits"),
            c.get("/v2/models/digits/ready"), c.get("/metrics"),
            c.postJson("/v2/models/digits/infer", infer))) {
          assertEquals(401, r.statusCode());
          assertTrue(TestClient.json(r).get("error").asText().contains("token"));
          assertEquals("Bearer", r.headers().firstValue("WWW-Authenticate").orElseThrow());
        }
      }
      assertEquals(200, right.get("/v2").statusCode());
      assertEquals(200, right.get("/metrics").statusCode());
      assertEquals(200, right.postJson("/v2/models/digits/infer", infer).statusCode());
    }
  }

  @Test
  void gracefulShutdownAnswersRequestsInFlightThenRefusesConnections() throws Exception {
    TestModels.write(repo, "digits", 1, 1);
    InferenceServer server = InferenceServer.start(TestModels.config(repo)
        .maxQueueDelay(Duration.ofMillis(2000)).maxBatchSize(64).build());
    TestClient client = new TestClient(server.url(), null);
    String infer = TestClient.inferJson(null, TestModels.images(1, 1));
    byte[] slowBody = infer.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (java.net.Socket slow = new java.net.Socket("127.0.0.1", server.port())) {
      // A request whose body is still arriving is in flight, and its batch waits for it.
      java.io.OutputStream out = slow.getOutputStream();
      out.write(("POST /v2/models/digits/infer HTTP/1.1\r\nHost: x\r\nContent-Type: "
          + "application/json\r\nContent-Length: " + slowBody.length + "\r\n\r\n")
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.write(slowBody, 0, 10);
      out.flush();
      Thread.sleep(200);
      List<Future<HttpResponse<byte[]>>> inFlight = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        inFlight.add(pool.submit(() -> client.postJson("/v2/models/digits/infer", infer)));
      }
      Thread.sleep(200);
      CompletableFuture<Void> stopping = CompletableFuture.runAsync(server::close);
      Thread.sleep(200);
      HttpResponse<byte[]> ready = client.get("/v2/health/ready");
      assertEquals(400, ready.statusCode(), "readiness must fail while draining");
      assertEquals(false, stopping.isDone(), "the server stopped with a request in flight");
      out.write(slowBody, 10, slowBody.length - 10);
      out.flush();
      String answer = new String(slow.getInputStream().readNBytes(12),
          java.nio.charset.StandardCharsets.US_ASCII);
      assertEquals("HTTP/1.1 200", answer);
      stopping.get();
      for (Future<HttpResponse<byte[]>> f : inFlight) {
        assertEquals(200, f.get().statusCode());
      }
      assertThrows(IllegalStateException.class, () -> client.get("/v2/health/live"));
    } finally {
      pool.shutdown();
      server.close();
    }
  }
}
