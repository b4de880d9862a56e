package io.kebridge.serve.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.kebridge.serve.InferenceServer;
import io.kebridge.serve.TestClient;
import io.kebridge.serve.TestModels;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Triton's REST extensions: model configuration, statistics, classification, health codes. */
class TritonExtensionsTest {
  @TempDir static Path repo;
  static Path v1;
  static InferenceServer server;
  static TestClient client;

  @BeforeAll
  static void start() {
    v1 = TestModels.write(repo, "digits", 1, 11);
    server = InferenceServer.start(TestModels.config(repo).build());
    client = new TestClient(server.url(), null);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @Test
  void configIsTritonsJsonOfTheCompleteModelConfig() {
    HttpResponse<byte[]> r = client.get("/v2/models/digits/config");
    assertEquals(200, r.statusCode());
    JsonNode c = TestClient.json(r);
    assertEquals("digits", c.get("name").asText());
    assertEquals("onnxruntime_onnx", c.get("platform").asText());
    assertEquals("onnxruntime", c.get("backend").asText());
    assertEquals(32, c.get("max_batch_size").asInt());
    JsonNode in = c.get("input").get(0);
    assertEquals("input", in.get("name").asText());
    assertEquals("TYPE_FP32", in.get("data_type").asText());
    // 64-bit integers as JSON numbers, as Triton answers.
    assertEquals("[1,8,8]", in.get("dims").toString());
    assertEquals("labels.txt", c.get("output").get(0).get("label_filename").asText());
    assertEquals(1, c.get("instance_group").get(0).get("count").asInt());
    assertEquals("KIND_CPU", c.get("instance_group").get(0).get("kind").asText());
    assertTrue(c.get("dynamic_batching").get("max_queue_delay_microseconds").isNumber());
    assertEquals("model.onnx", c.get("default_model_filename").asText());
    assertTrue(c.get("version_policy").has("all"), c.toString());
    assertEquals(200, client.get("/v2/models/digits/versions/1/config").statusCode());
    assertEquals(404, client.get("/v2/models/digits/versions/7/config").statusCode());
    assertEquals(404, client.get("/v2/models/ghost/config").statusCode());
  }

  @Test
  void statsCountRowsRunsAndDurations() {
    JsonNode before = stats("/v2/models/digits/versions/1/stats");
    long rows0 = before.get("inference_count").asLong();
    long ok0 = before.get("inference_stats").get("success").get("count").asLong();
    for (int i = 0; i < 3; i++) {
      assertEquals(200, client.postJson("/v2/models/digits/infer",
          TestClient.inferJson(null, TestModels.images(2, i))).statusCode());
    }
    assertEquals(400, client.postJson("/v2/models/digits/infer", "{\"inputs\":[]}").statusCode());
    JsonNode after = stats("/v2/models/digits/versions/1/stats");
    assertEquals("digits", after.get("name").asText());
    assertEquals("1", after.get("version").asText());
    assertEquals(rows0 + 6, after.get("inference_count").asLong());
    assertEquals(ok0 + 3, after.get("inference_stats").get("success").get("count").asLong());
    assertTrue(after.get("execution_count").asLong() >= 1);
    for (String part : new String[] {"queue", "compute_input", "compute_infer",
        "compute_output"}) {
      assertTrue(after.get("inference_stats").get(part).get("ns").asLong() > 0, part);
    }
    assertTrue(after.get("last_inference").asLong() > 0);
    assertTrue(after.get("batch_stats").get(0).get("batch_size").asLong() >= 1);
    assertEquals(1, TestClient.json(client.get("/v2/models/stats")).get("model_stats").size());
    assertEquals(1, TestClient.json(client.get("/v2/models/digits/stats")).get("model_stats")
        .size());
  }

  private static JsonNode stats(String path) {
    HttpResponse<byte[]> r = client.get(path);
    assertEquals(200, r.statusCode());
    return TestClient.json(r).get("model_stats").get(0);
  }

  @Test
  void classificationReturnsScoreIndexLabelStringsInJsonAndBinary() {
    float[][] images = TestModels.images(2, 3);
    float[][] logits = TestModels.logits(v1, images);
    String body = TestClient.inferJson("c", images).replace("]}]}",
        "]}],\"outputs\":[{\"name\":\"logits\",\"parameters\":{\"classification\":2}}]}");
    JsonNode r = TestClient.json(client.postJson("/v2/models/digits/infer", body));
    JsonNode out = r.get("outputs").get(0);
    assertEquals("BYTES", out.get("datatype").asText());
    assertEquals("[2,2]", out.get("shape").toString());
    for (int row = 0; row < 2; row++) {
      int best = argmax(logits[row]);
      String[] parts = out.get("data").get(row * 2).asText().split(":");
      assertEquals(best, Integer.parseInt(parts[1]), out.toString());
      assertEquals("digit-" + best, parts[2]);
      assertEquals(logits[row][best], Float.parseFloat(parts[0]), 1e-4 * Math.abs(logits[row][best]));
    }
    String binary = TestClient.inferJson(null, images).replace("]}]}",
        "]}],\"outputs\":[{\"name\":\"logits\",\"parameters\":{\"classification\":1,"
            + "\"binary_data\":true}}]}");
    HttpResponse<byte[]> b = client.postJson("/v2/models/digits/infer", binary);
    int json = Integer.parseInt(b.headers().firstValue("Inference-Header-Content-Length")
        .orElseThrow());
    ByteBuffer bytes = ByteBuffer.wrap(b.body(), json, b.body().length - json)
        .order(ByteOrder.LITTLE_ENDIAN);
    byte[] first = new byte[bytes.getInt()];
    bytes.get(first);
    assertTrue(new String(first, StandardCharsets.UTF_8).endsWith(":digit-" + argmax(logits[0])));
  }

  private static int argmax(float[] v) {
    int best = 0;
    for (int i = 1; i < v.length; i++) {
      best = v[i] > v[best] ? i : best;
    }
    return best;
  }

  @Test
  void healthAnswersWithTheProtocolsCodes() {
    assertEquals(200, client.get("/v2/health/live").statusCode());
    assertEquals(200, client.get("/v2/health/ready").statusCode());
    HttpResponse<byte[]> ready = client.get("/v2/models/digits/ready");
    assertEquals(200, ready.statusCode());
    assertEquals(true, TestClient.json(ready).get("ready").asBoolean());
    assertEquals(404, client.get("/v2/models/ghost/ready").statusCode());
    JsonNode meta = TestClient.json(client.get("/v2"));
    assertTrue(meta.get("extensions").toString().contains("model_repository"), meta.toString());
  }

  @Test
  void theRepositoryIndexListsEveryVersionWithItsState() {
    JsonNode index = TestClient.json(client.postJson("/v2/repository/index", ""));
    assertEquals("[{\"name\":\"digits\",\"version\":\"1\",\"state\":\"READY\"}]",
        index.toString());
    assertEquals(400, client.postJson("/v2/repository/models/digits/load", "").statusCode(),
        "loading is for explicit mode");
  }
}
