package io.kebridge.serve.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** The benchmark's request over REST with java.net.http (HTTP/1.1, one connection per client). */
public final class HttpLoad implements LoadClient {
  private final HttpClient client = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5))
      .build();
  private final HttpRequest request;
  private final HttpRequest ready;
  private final HttpRequest stats;

  /** Posts {@code request} to {@code inferUri}, with the bearer {@code token} when not null. */
  public HttpLoad(URI inferUri, PreparedRequest request, String token) {
    HttpRequest.Builder b = HttpRequest.newBuilder(inferUri)
        .timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofByteArray(request.body()));
    if (request.jsonLength() >= 0) {
      b.header("Inference-Header-Content-Length", Integer.toString(request.jsonLength()))
          .header("Content-Type", "application/octet-stream");
    } else {
      b.header("Content-Type", "application/json");
    }
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    this.request = b.build();
    String path = inferUri.getPath();
    this.ready = HttpRequest.newBuilder(inferUri.resolve(path.substring(0,
        path.indexOf("/v2/") + 1) + "v2/health/ready")).timeout(Duration.ofSeconds(10)).GET()
        .build();
    this.stats = HttpRequest.newBuilder(URI.create(inferUri.toString().replaceAll("/infer$",
        "/stats"))).timeout(Duration.ofSeconds(10)).GET().build();
  }

  @Override
  public long serverSuccessNanos() {
    try {
      HttpResponse<byte[]> r = client.send(stats, HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() != 200) {
        return -1;
      }
      long ns = 0;
      for (com.fasterxml.jackson.databind.JsonNode m : new com.fasterxml.jackson.databind
          .ObjectMapper().readTree(r.body()).path("model_stats")) {
        ns += m.path("inference_stats").path("success").path("ns").asLong();
      }
      return ns;
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  @Override
  public String probe() {
    try {
      int status = client.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode();
      return status == 200 ? null : "ready answered " + status;
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }

  @Override
  public String send() {
    try {
      HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() == 200) {
        return null;
      }
      return r.statusCode() + " "
          + new String(r.body(), 0, Math.min(200, r.body().length), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }
}
