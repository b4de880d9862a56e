package io.kebridge.serve.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.kebridge.serve.InferenceServer;
import io.kebridge.serve.TestClient;
import io.kebridge.serve.TestModels;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every V2 endpoint against the real server serving two versions of an exported model. */
class V2EndpointsTest {
  @TempDir static Path repo;
  static Path v1;
  static Path v2;
  static InferenceServer server;
  static TestClient client;

  @BeforeAll
  static void start() {
    v1 = TestModels.write(repo, "digits", 1, 11);
    v2 = TestModels.write(repo, "digits", 2, 22);
    server = InferenceServer.start(TestModels.config(repo).build());
    client = new TestClient(server.url(), null);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  static void assertClose(float[][] expected, float[][] actual) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      for (int j = 0; j < expected[i].length; j++) {
        double tol = 1e-4 * Math.max(1, Math.abs(expected[i][j]));
        assertEquals(expected[i][j], actual[i][j], tol, "row " + i + " class " + j);
      }
    }
  }

  @Test
  void healthEndpointsAnswerLiveAndReady() {
    assertEquals(200, client.get("/v2/health/live").statusCode());
    HttpResponse<byte[]> ready = client.get("/v2/health/ready");
    assertEquals(200, ready.statusCode());
    assertTrue(TestClient.json(ready).get("ready").asBoolean());
  }

  @Test
  void serverMetadataAdvertisesBinaryTensorData() {
    JsonNode meta = TestClient.json(client.get("/v2"));
    assertEquals("ke-bridge", meta.get("name").asText());
    assertTrue(meta.get("extensions").toString().contains("binary_tensor_data"));
  }

  @Test
  void modelMetadataShowsVersionsPlatformAndVariableBatch() {
    JsonNode meta = TestClient.json(client.get("/v2/models/digits"));
    assertEquals("digits", meta.get("name").asText());
    assertEquals("[\"1\",\"2\"]", meta.get("versions").toString());
    assertEquals("onnx_onnxv1", meta.get("platform").asText());
    JsonNode in = meta.get("inputs").get(0);
    assertEquals("input", in.get("name").asText());
    assertEquals("FP32", in.get("datatype").asText());
    assertEquals("[-1,1,8,8]", in.get("shape").toString());
    assertEquals("[-1,10]", meta.get("outputs").get(0).get("shape").toString());
    assertEquals(200, client.get("/v2/models/digits/versions/1").statusCode());
    assertEquals(404, client.get("/v2/models/digits/versions/3").statusCode());
  }

  @Test
  void modelReadyAnswersPerVersion() {
    assertEquals(200, client.get("/v2/models/digits/ready").statusCode());
    assertEquals(200, client.get("/v2/models/digits/versions/2/ready").statusCode());
    HttpResponse<byte[]> missing = client.get("/v2/models/nope/ready");
    assertEquals(404, missing.statusCode());
    assertTrue(TestClient.json(missing).get("error").asText().contains("nope"));
  }

  @Test
  void inferMatchesOnnxRuntimeAndEchoesTheId() {
    float[][] images = TestModels.images(3, 5);
    JsonNode r = TestClient.json(client.postJson("/v2/models/digits/versions/1/infer",
        TestClient.inferJson("req-7", images)));
    assertEquals("req-7", r.get("id").asText());
    assertEquals("digits", r.get("model_name").asText());
    assertEquals("1", r.get("model_version").asText());
    assertEquals("[3,10]", r.get("outputs").get(0).get("shape").toString());
    assertClose(TestModels.logits(v1, images), TestClient.logits(r, 10));
  }

  @Test
  void versionRoutingPicksTheRequestedVersionAndTheLatestByDefault() {
    float[][] images = TestModels.images(2, 9);
    float[][] one = TestClient.logits(TestClient.json(client.postJson(
        "/v2/models/digits/versions/1/infer", TestClient.inferJson(null, images))), 10);
    float[][] two = TestClient.logits(TestClient.json(client.postJson(
        "/v2/models/digits/versions/2/infer", TestClient.inferJson(null, images))), 10);
    JsonNode latest = TestClient.json(client.postJson("/v2/models/digits/infer",
        TestClient.inferJson(null, images)));
    assertClose(TestModels.logits(v1, images), one);
    assertClose(TestModels.logits(v2, images), two);
    assertEquals("2", latest.get("model_version").asText());
    assertClose(two, TestClient.logits(latest, 10));
    assertFalse(Arrays.equals(one[0], two[0]), "the two versions have different weights");
  }

  @Test
  void nestedDataAndRequestedOutputsAreHonoured() {
    float[][] images = TestModels.images(1, 3);
    StringBuilder nested = new StringBuilder("[[[");
    for (int y = 0; y < 8; y++) {
      nested.append(y == 0 ? "[" : ",[");
      for (int x = 0; x < 8; x++) {
        nested.append(x == 0 ? "" : ",").append(images[0][y * 8 + x]);
      }
      nested.append(']');
    }
    nested.append("]]]");
    String body = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,8,8],\"datatype\":\"FP32\","
        + "\"data\":" + nested + "}],\"outputs\":[{\"name\":\"probs\"}]}";
    JsonNode r = TestClient.json(client.postJson("/v2/models/digits/infer", body));
    assertEquals(1, r.get("outputs").size());
    JsonNode probs = r.get("outputs").get(0);
    assertEquals("probs", probs.get("name").asText());
    double sum = 0;
    for (JsonNode p : probs.get("data")) {
      sum += p.asDouble();
    }
    assertEquals(1.0, sum, 1e-4);
  }

  @Test
  void binaryTensorDataWorksInBothDirections() {
    float[][] images = TestModels.images(2, 13);
    String header = "{\"inputs\":[{\"name\":\"input\",\"shape\":[2,1,8,8],\"datatype\":\"FP32\","
        + "\"parameters\":{\"binary_data_size\":512}}],"
        + "\"outputs\":[{\"name\":\"logits\",\"parameters\":{\"binary_data\":true}}]}";
    byte[] json = header.getBytes(StandardCharsets.UTF_8);
    ByteBuffer body = ByteBuffer.allocate(json.length + 512).order(ByteOrder.LITTLE_ENDIAN);
    body.put(json);
    for (float[] im : images) {
      for (float v : im) {
        body.putFloat(v);
      }
    }
    HttpResponse<byte[]> r = client.post("/v2/models/digits/versions/2/infer", body.array(),
        "Content-Type", "application/octet-stream",
        "Inference-Header-Content-Length", Integer.toString(json.length));
    assertEquals(200, r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
    int jsonLength = Integer.parseInt(
        r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
    String responseJson = new String(r.body(), 0, jsonLength, StandardCharsets.UTF_8);
    assertTrue(responseJson.contains("\"binary_data_size\":80"), responseJson);
    assertEquals(jsonLength + 80, r.body().length);
    ByteBuffer out = ByteBuffer.wrap(r.body(), jsonLength, 80).order(ByteOrder.LITTLE_ENDIAN);
    float[][] logits = new float[2][10];
    for (float[] row : logits) {
      for (int j = 0; j < 10; j++) {
        row[j] = out.getFloat();
      }
    }
    assertClose(TestModels.logits(v2, images), logits);
  }

  @Test
  void classifyRanksLabelsOfARawAndAMultipartPng() throws IOException {
    BufferedImage im = new BufferedImage(8, 8, BufferedImage.TYPE_BYTE_GRAY);
    float[] pixels = new float[64];
    for (int i = 0; i < 64; i++) {
      int v = (i * 37) % 256;
      im.getRaster().setSample(i % 8, i / 8, 0, v);
      pixels[i] = (v / 255f - 0.5f) / 0.25f;
    }
    ByteArrayOutputStream png = new ByteArrayOutputStream();
    ImageIO.write(im, "png", png);
    float[] expected = TestModels.logits(v2, new float[][] {pixels})[0];
    int best = 0;
    for (int i = 1; i < 10; i++) {
      best = expected[i] > expected[best] ? i : best;
    }
    HttpResponse<byte[]> raw = client.post("/v2/models/digits/classify?top_k=3", png.toByteArray(),
        "Content-Type", "image/png");
    JsonNode r = TestClient.json(raw);
    assertEquals(200, raw.statusCode(), r.toString());
    assertEquals(3, r.get("predictions").size());
    assertEquals("digit-" + best, r.get("predictions").get(0).get("label").asText());

    String boundary = "kebridgeboundary";
    ByteArrayOutputStream multipart = new ByteArrayOutputStream();
    multipart.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"image\"; "
        + "filename=\"x.png\"\r\nContent-Type: image/png\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1));
    multipart.writeBytes(png.toByteArray());
    multipart.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.ISO_8859_1));
    JsonNode m = TestClient.json(client.post("/v2/models/digits/classify", multipart.toByteArray(),
        "Content-Type", "multipart/form-data; boundary=" + boundary));
    assertEquals(r.get("predictions").get(0), m.get("predictions").get(0));
  }

  @Test
  void metricsExposeRequestsLatencyBatchSizeAndQueueDepth() {
    client.postJson("/v2/models/digits/infer", TestClient.inferJson(null, TestModels.images(1, 1)));
    HttpResponse<byte[]> r = client.get("/metrics");
    assertEquals(200, r.statusCode());
    String text = new String(r.body(), StandardCharsets.UTF_8);
    for (String metric : new String[] {"ke_requests_total", "ke_request_latency_seconds_bucket",
        "ke_batch_size_bucket", "ke_inference_seconds_bucket", "ke_queue_depth"}) {
      assertTrue(text.contains(metric), metric + " missing in\n" + text);
    }
    assertTrue(text.contains("model=\"digits\""), text);
  }

  @Test
  void inferenceMetersExistAtZeroFromTheLoadSoTheFirstRequestDoesNotBuildThem() {
    try (InferenceServer fresh = InferenceServer.start(TestModels.config(repo).build())) {
      TestClient c = new TestClient(fresh.url(), null);
      String before = new String(c.get("/metrics").body(), StandardCharsets.UTF_8);
      String version2 = "{model=\"digits\",version=\"2\"}";
      String httpOk = "{endpoint=\"infer\",model=\"digits\",protocol=\"http\",status=\"200\"}";
      assertEquals(0.0, TestClient.samples(before, "ke_inference_seconds_count").get(version2),
          before);
      assertEquals(0.0, TestClient.samples(before, "ke_requests_total").get(httpOk), before);
      assertEquals(0.0, TestClient.samples(before, "ke_request_latency_seconds_count")
          .get("{endpoint=\"infer\",model=\"digits\",protocol=\"grpc\"}"), before);
      c.postJson("/v2/models/digits/infer", TestClient.inferJson(null, TestModels.images(1, 1)));
      String after = new String(c.get("/metrics").body(), StandardCharsets.UTF_8);
      assertEquals(1.0, TestClient.samples(after, "ke_inference_seconds_count").get(version2),
          after);
      assertEquals(1.0, TestClient.samples(after, "ke_requests_total").get(httpOk), after);
    }
  }

  @Test
  void aSecondServerOnTheSamePortFailsWithAClearMessage() {
    io.kebridge.serve.ServeException e = org.junit.jupiter.api.Assertions.assertThrows(
        io.kebridge.serve.ServeException.class, () -> InferenceServer.start(
            TestModels.config(repo).port(server.port()).build()));
    assertTrue(e.getMessage().contains("cannot listen on 127.0.0.1:" + server.port()),
        e.getMessage());
    assertEquals(200, client.get("/v2/health/live").statusCode());
  }

  @Test
  void unknownRoutesAndModelsAnswerJsonErrors() {
    HttpResponse<byte[]> route = client.get("/v2/nothing/here");
    assertEquals(404, route.statusCode());
    assertTrue(TestClient.json(route).has("error"));
    HttpResponse<byte[]> model = client.postJson("/v2/models/ghost/infer",
        TestClient.inferJson(null, TestModels.images(1, 1)));
    assertEquals(404, model.statusCode());
    assertTrue(TestClient.json(model).get("error").asText().contains("ghost"));
    assertEquals(404, client.get("/v2/models/digits/versions/x").statusCode());
  }
}
