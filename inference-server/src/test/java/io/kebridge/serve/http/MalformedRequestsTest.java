package io.kebridge.serve.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.kebridge.serve.InferenceServer;
import io.kebridge.serve.TestClient;
import io.kebridge.serve.TestModels;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * More than a thousand generated bad requests: each must be answered with a 4xx and a JSON error
 * message, never a 5xx or a dropped connection, and the server must answer correctly afterwards.
 */
class MalformedRequestsTest {
  private static final int MAX_BODY = 256 * 1024;

  @TempDir static Path repo;
  static Path file;
  static InferenceServer server;
  static TestClient client;

  @BeforeAll
  static void start() {
    file = TestModels.write(repo, "digits", 1, 1);
    server = InferenceServer.start(TestModels.config(repo).maxRequestBytes(MAX_BODY).build());
    client = new TestClient(server.url(), null);
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  /** One bad request and what kind of mistake it is. */
  record Bad(String kind, Supplier<HttpRequest> request) {}

  @Test
  void everyMalformedRequestGetsA4xxWithAMessageAndTheServerKeepsWorking() {
    List<Bad> bad = generate(new SplittableRandom(42));
    assertTrue(bad.size() >= 1000, "only " + bad.size() + " bad requests generated");
    List<String> problems = new ArrayList<>();
    for (Bad b : bad) {
      HttpRequest request = b.request().get();
      HttpResponse<byte[]> r = client.send(request);
      String text = new String(r.body(), StandardCharsets.UTF_8);
      boolean fourXx = r.statusCode() >= 400 && r.statusCode() < 500;
      boolean message = false;
      try {
        JsonNode error = TestClient.json(r).get("error");
        message = error != null && !error.asText().isBlank();
      } catch (AssertionError notJson) {
        message = false;
      }
      if (!fourXx || !message) {
        problems.add(b.kind() + " " + request.method() + " " + request.uri() + " -> "
            + r.statusCode() + " " + text.substring(0, Math.min(200, text.length())));
      }
    }
    assertTrue(problems.isEmpty(), problems.size() + " bad answers, e.g. "
        + problems.subList(0, Math.min(10, problems.size())));

    float[][] images = TestModels.images(2, 8);
    HttpResponse<byte[]> good = client.postJson("/v2/models/digits/infer",
        TestClient.inferJson("after", images));
    assertEquals(200, good.statusCode());
    float[][] expected = TestModels.logits(file, images);
    float[][] got = TestClient.logits(TestClient.json(good), 10);
    for (int i = 0; i < 2; i++) {
      for (int j = 0; j < 10; j++) {
        assertEquals(expected[i][j], got[i][j], 1e-4 * Math.max(1, Math.abs(expected[i][j])));
      }
    }
    assertEquals(200, client.get("/v2/health/ready").statusCode());
  }

  private List<Bad> generate(SplittableRandom r) {
    List<Bad> out = new ArrayList<>();
    String valid = TestClient.inferJson("x", TestModels.images(1, 3));
    String infer = "/v2/models/digits/infer";
    // Invalid JSON: every kind of truncation, and garbage.
    for (int i = 0; i < 150; i++) {
      int cut = 1 + r.nextInt(valid.length() - 2);
      out.add(json("truncated", infer, valid.substring(0, cut)));
    }
    for (int i = 0; i < 50; i++) {
      byte[] junk = new byte[1 + r.nextInt(300)];
      r.nextBytes(junk);
      out.add(raw("garbage", infer, junk));
    }
    for (String s : new String[] {"", "[]", "1", "null", "\"x\"", "{}", "{\"inputs\":[]}",
        "{\"inputs\":{}}", "{\"inputs\":[1]}", "{\"inputs\":[{}]}", "{\"id\":3,\"inputs\":[]}",
        "{\"inputs\":[{\"name\":\"input\"}]}", "{\"outputs\":5}", valid + "}", valid + "x",
        "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,8,8],\"datatype\":\"FP32\"}]}"}) {
      out.add(json("structure", infer, s));
    }
    // Wrong shapes, including huge and zero dimensions.
    for (int i = 0; i < 200; i++) {
      int rank = 1 + r.nextInt(6);
      long[] dims = new long[rank];
      for (int d = 0; d < rank; d++) {
        dims[d] = switch (r.nextInt(5)) {
          case 0 -> 0;
          case 1 -> r.nextLong(1, Long.MAX_VALUE);
          case 2 -> 1L << (20 + r.nextInt(40));
          default -> 1 + r.nextInt(9);
        };
      }
      if (rank == 4 && dims[1] == 1 && dims[2] == 8 && dims[3] == 8 && dims[0] == 1) {
        dims[2] = 9;
      }
      out.add(json("shape", infer, body("input", shapeText(dims), "FP32", values(r, 64))));
    }
    for (String s : new String[] {"[1,1,8,-8]", "[1.5,1,8,8]", "[\"1\",1,8,8]", "5",
        "[99999999999999999999,1,8,8]", "[1,1,8,8,1]", "[]"}) {
      out.add(json("shape-literal", infer, body("input", s, "FP32", values(r, 64))));
    }
    // Wrong datatypes.
    String[] types = {"INT64", "FP64", "FP16", "BOOL", "BYTES", "UINT8", "INT32", "fp32", "float",
        "", "FP3", "FLOAT32"};
    for (int i = 0; i < 120; i++) {
      out.add(json("datatype", infer,
          body("input", "[1,1,8,8]", types[i % types.length], values(r, 64))));
    }
    out.add(json("datatype-number", infer, valid.replace("\"FP32\"", "32")));
    // NaN, infinities and non-numbers inside data.
    String[] poison = {"NaN", "Infinity", "-Infinity", "1e999", "-1e999", "\"nan\"", "null",
        "true", "{}", "\"1.0\"", "0x10", "1..2", "--1", "+1", ".5e"};
    for (int i = 0; i < 150; i++) {
      List<String> v = new ArrayList<>(List.of(values(r, 64).split(",")));
      v.set(r.nextInt(v.size()), poison[i % poison.length]);
      out.add(json("poison", infer, body("input", "[1,1,8,8]", "FP32", String.join(",", v))));
    }
    // Data length that does not match the shape.
    for (int i = 0; i < 150; i++) {
      int n = r.nextInt(200);
      if (n == 64 || n == 128) {
        n++;
      }
      out.add(json("length", infer, body("input", "[1,1,8,8]", "FP32", values(r, n))));
    }
    // Wrong input and output names, duplicates.
    for (int i = 0; i < 40; i++) {
      out.add(json("input-name", infer, body("in" + i, "[1,1,8,8]", "FP32", values(r, 64))));
    }
    String one = "{\"name\":\"input\",\"shape\":[1,1,8,8],\"datatype\":\"FP32\",\"data\":["
        + values(r, 64) + "]}";
    out.add(json("duplicate", infer, "{\"inputs\":[" + one + "," + one + "]}"));
    for (int i = 0; i < 20; i++) {
      out.add(json("output-name", infer, "{\"inputs\":[" + one + "],\"outputs\":[{\"name\":\"out"
          + i + "\"}]}"));
    }
    // Oversized bodies.
    for (int i = 0; i < 5; i++) {
      byte[] big = new byte[MAX_BODY + 1 + r.nextInt(MAX_BODY)];
      java.util.Arrays.fill(big, (byte) '1');
      out.add(raw("oversized", infer, big));
    }
    // Binary extension mistakes.
    String binHeader = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,1,8,8],\"datatype\":"
        + "\"FP32\",\"parameters\":{\"binary_data_size\":SIZE}}]}";
    for (int i = 0; i < 40; i++) {
      int size = switch (i % 4) {
        case 0 -> 255;
        case 1 -> 252;
        case 2 -> 260;
        default -> 1 << 20;
      };
      byte[] header = binHeader.replace("SIZE", Integer.toString(size))
          .getBytes(StandardCharsets.UTF_8);
      byte[] body = new byte[header.length + 256];
      System.arraycopy(header, 0, body, 0, header.length);
      String length = switch (i % 5) {
        case 0 -> Integer.toString(header.length + 1000);
        case 1 -> "-4";
        case 2 -> "abc";
        default -> Integer.toString(header.length);
      };
      out.add(new Bad("binary", () -> client.request(infer)
          .header("Inference-Header-Content-Length", length)
          .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build()));
    }
    // Unknown models and versions.
    for (int i = 0; i < 60; i++) {
      String name = "model" + r.nextInt(1_000_000);
      out.add(json("unknown-model", "/v2/models/" + name + "/infer", valid));
      out.add(get("unknown-model", "/v2/models/" + name));
    }
    for (String v : new String[] {"0", "-1", "2", "99", "abc", "1.0", "99999999999999999999",
        "%20", "1e3"}) {
      out.add(json("unknown-version", "/v2/models/digits/versions/" + v + "/infer", valid));
      out.add(get("unknown-version", "/v2/models/digits/versions/" + v + "/ready"));
    }
    // Path traversal and odd names.
    for (String p : new String[] {"..", "..%2F..%2Fetc%2Fpasswd", "%2e%2e", "%2e%2e%2f%2e%2e",
        "..%5C..%5Cwindows", "digits%00", "digits%2F1", ".digits", "~root", "%252e%252e",
        "..;", "digits;x=1", "%C0%AE%C0%AE", "a%20b"}) {
      out.add(json("traversal", "/v2/models/" + p + "/infer", valid));
      out.add(get("traversal", "/v2/models/" + p + "/ready"));
      out.add(get("traversal", "/v2/models/" + p));
    }
    out.add(json("traversal", "/v2/models/../../../etc/passwd/infer", valid));
    // Classify with things that are not images.
    for (int i = 0; i < 20; i++) {
      byte[] junk = new byte[r.nextInt(100)];
      r.nextBytes(junk);
      out.add(raw("classify", "/v2/models/digits/classify", junk));
    }
    out.add(new Bad("classify", () -> client.request("/v2/models/digits/classify?top_k=0")
        .header("Content-Type", "image/png")
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[] {(byte) 0x89, 'P', 'N', 'G'}))
        .build()));
    out.add(new Bad("multipart", () -> client.request("/v2/models/digits/classify")
        .header("Content-Type", "multipart/form-data")
        .POST(HttpRequest.BodyPublishers.ofString("--x\r\n\r\n")).build()));
    // Wrong methods.
    out.add(get("method", infer));
    out.add(new Bad("method", () -> client.request("/v2/health/live")
        .DELETE().build()));
    return out;
  }

  private static String shapeText(long[] dims) {
    StringBuilder s = new StringBuilder("[");
    for (int i = 0; i < dims.length; i++) {
      s.append(i == 0 ? "" : ",").append(dims[i]);
    }
    return s.append(']').toString();
  }

  private static String values(SplittableRandom r, int n) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < n; i++) {
      s.append(i == 0 ? "" : ",").append((float) r.nextDouble(-2, 2));
    }
    return s.toString();
  }

  private static String body(String name, String shape, String datatype, String data) {
    return "{\"inputs\":[{\"name\":\"" + name + "\",\"shape\":" + shape + ",\"datatype\":\""
        + datatype + "\",\"data\":[" + data + "]}]}";
  }

  private static Bad json(String kind, String path, String body) {
    return raw(kind, path, body.getBytes(StandardCharsets.UTF_8));
  }

  private static Bad raw(String kind, String path, byte[] body) {
    return new Bad(kind, () -> client.request(path)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
  }

  private static Bad get(String kind, String path) {
    return new Bad(kind, () -> HttpRequest.newBuilder(URI.create(server.url() + path)).GET()
        .build());
  }
}
