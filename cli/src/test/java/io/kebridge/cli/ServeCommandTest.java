package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.card.NetworkKind;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.onnx.export.ExportOptions;
import io.kebridge.onnx.export.OnnxExporter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ke serve} runs the real server on a repository until it is stopped. */
class ServeCommandTest {
  @TempDir Path repo;

  /** Exports a small-cnn (1x8x8, 10 classes, width 4) as REPO/name/1/model.onnx. */
  static Path exportModel(Path repo, String name) {
    ActivationShape in = new ActivationShape(1, 8, 8);
    NetworkSpec spec = Architectures.build("small-cnn", new ArchitectureConfig(in, 10, 4, null));
    ModelCard card = new ModelCard("small-cnn", NetworkKind.DENSE, "kels:0.5", 1,
        List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9"), in, "NCHW",
        new float[] {0.5f}, new float[] {0.25f}, null, "test", Map.of());
    ModelProto model = OnnxExporter.export(spec, WeightInit.randomized(spec, 3), card,
        ExportOptions.defaults());
    return io.kebridge.onnx.repository.ModelRepository.write(repo, name, 1, model, 32);
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  @Test
  void serveAnswersV2RequestsWithTheTokenUntilStopped() throws Exception {
    exportModel(repo, "digits");
    int port = freePort();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    AtomicInteger code = new AtomicInteger(-1);
    Thread serving = new Thread(() -> code.set(Main.execute(new String[] {"serve",
        repo.toString(), "--http-port", Integer.toString(port), "--token", "t0k",
        "--max-batch-size", "8", "--poll-interval-ms", "0", "--grpc-port", "0"},
        new PrintWriter(out, true), new PrintWriter(err, true))));
    serving.start();
    HttpClient http = HttpClient.newHttpClient();
    String base = "http://127.0.0.1:" + port;
    long deadline = System.nanoTime() + 30_000_000_000L;
    while (true) {
      try {
        if (http.send(HttpRequest.newBuilder(URI.create(base + "/v2/health/ready")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
          break;
        }
      } catch (java.io.IOException notYet) {
        assertTrue(System.nanoTime() < deadline, "server did not start: " + err);
        Thread.sleep(50);
      }
    }
    HttpResponse<String> noToken = http.send(HttpRequest.newBuilder(
        URI.create(base + "/v2/models/digits")).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(401, noToken.statusCode());
    StringBuilder data = new StringBuilder();
    for (int i = 0; i < 64; i++) {
      data.append(i == 0 ? "" : ",").append(i / 64.0);
    }
    HttpResponse<String> infer = http.send(HttpRequest.newBuilder(
            URI.create(base + "/v2/models/digits/infer"))
        .header("Authorization", "Bearer t0k")
        .timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":[{\"name\":\"input\",\"shape\":"
            + "[1,1,8,8],\"datatype\":\"FP32\",\"data\":[" + data + "]}]}"))
        .build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, infer.statusCode(), infer.body());
    assertTrue(infer.body().contains("\"logits\""));
    serving.interrupt();
    serving.join(20_000);
    assertEquals(0, code.get(), err.toString());
    assertTrue(out.toString().contains("1 model(s)"), out.toString());
    assertTrue(out.toString().contains(" and grpc 127.0.0.1:"), out.toString());
    assertTrue(out.toString().contains("stopped"), out.toString());
  }

  @Test
  void aBadSettingIsOneErrorLine() {
    CliRun r = CliRun.of("serve", repo.toString(), "--max-batch-size", "0");
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("ke: error:") && r.err().contains("max-batch-size"), r.err());
  }
}
