package io.kebridge.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/** A small java.net.http client for the tests, speaking to one server. */
public final class TestClient {
  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();
  private final String base;
  private final String token;

  /** A client of {@code base} (e.g. http://127.0.0.1:1234) sending {@code token} when not null. */
  public TestClient(String base, String token) {
    this.base = base;
    this.token = token;
  }

  /** GET {@code path}. */
  public HttpResponse<byte[]> get(String path) {
    return send(request(path).GET().build());
  }

  /** POST {@code body} to {@code path} with the given header pairs. */
  public HttpResponse<byte[]> post(String path, byte[] body, String... headers) {
    HttpRequest.Builder b = request(path).POST(HttpRequest.BodyPublishers.ofByteArray(body));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return send(b.build());
  }

  /** POST a JSON text. */
  public HttpResponse<byte[]> postJson(String path, String json) {
    return post(path, json.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");
  }

  /** Sends a request as built by the caller. */
  public HttpResponse<byte[]> send(HttpRequest request) {
    try {
      return http.send(request, HttpResponse.BodyHandlers.ofByteArray());
    } catch (IOException e) {
      throw new IllegalStateException("request " + request.uri() + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A request builder for {@code path} with the token set. */
  public HttpRequest.Builder request(String path) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path))
        .timeout(Duration.ofSeconds(30));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  /** The body parsed as JSON. */
  public static JsonNode json(HttpResponse<byte[]> r) {
    try {
      return JSON.readTree(r.body());
    } catch (IOException e) {
      throw new AssertionError("not JSON (" + r.statusCode() + "): "
          + new String(r.body(), StandardCharsets.UTF_8), e);
    }
  }

  /** A V2 JSON request for {@code images} (one row each) as a flat data array. */
  public static String inferJson(String id, float[][] images) {
    StringBuilder s = new StringBuilder("{");
    if (id != null) {
      s.append("\"id\":\"").append(id).append("\",");
    }
    s.append("\"inputs\":[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[")
        .append(images.length).append(",1,8,8],\"data\":[");
    boolean first = true;
    for (float[] im : images) {
      for (float v : im) {
        if (!first) {
          s.append(',');
        }
        s.append(v);
        first = false;
      }
    }
    return s.append("]}]}").toString();
  }

  /** The {@code logits} output of a JSON response as rows of {@code classes}. */
  public static float[][] logits(JsonNode response, int classes) {
    for (JsonNode o : response.get("outputs")) {
      if (o.get("name").asText().equals("logits")) {
        JsonNode data = o.get("data");
        float[][] out = new float[data.size() / classes][classes];
        for (int i = 0; i < data.size(); i++) {
          out[i / classes][i % classes] = (float) data.get(i).asDouble();
        }
        return out;
      }
    }
    throw new AssertionError("no logits in " + response);
  }

  /**
   * The samples of metric {@code name} in a Prometheus text scrape, by their label block as the
   * scrape writes it ({@code {model="digits",version="1"}}, or empty without labels), in order.
   */
  public static Map<String, Double> samples(String scrape, String name) {
    Map<String, Double> out = new LinkedHashMap<>();
    for (String line : scrape.split("\n")) {
      if (line.startsWith(name + "{") || line.startsWith(name + " ")) {
        int space = line.lastIndexOf(' ');
        out.put(line.substring(name.length(), space).trim(),
            Double.parseDouble(line.substring(space + 1)));
      }
    }
    return out;
  }
}
