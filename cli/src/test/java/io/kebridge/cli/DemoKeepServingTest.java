package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.data.Datasets;
import io.kebridge.models.data.ImageFolders;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code ke demo} leaves for the reader: a sample PNG per class named after it, request
 * bodies that the server answers exactly as it answers the PNG, and with {@code --keep-serving}
 * a server that says where it listens, answers them and stops gracefully.
 */
class DemoKeepServingTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void sampleFilesAreNamedAfterTheirClass() {
    assertEquals("sample-3-dress.png", DemoSamples.fileName(3, "Dress"));
    assertEquals("sample-0-t-shirt-top.png", DemoSamples.fileName(0, "T-shirt/top"));
    assertEquals("sample-9-ankle-boot.png", DemoSamples.fileName(9, "Ankle boot"));
    assertEquals("sample-2.png", DemoSamples.fileName(2, "/"));
  }

  @Test
  void keepServingAnswersTheSamplesOnItsPortsUntilStopped(@TempDir Path dir) throws Exception {
    int port = freePort();
    int grpcPort = freePort();
    Path out = dir.resolve("demo");
    StringWriter text = new StringWriter();
    StringWriter errors = new StringWriter();
    AtomicInteger exit = new AtomicInteger(-1);
    Thread demo = new Thread(() -> exit.set(Main.execute(new String[] {"demo", "--out",
        out.toString(), "--data", "digits", "--arch", "small-cnn", "--width", "4",
        "--generations", "2", "--epochs", "1", "--baseline", "none", "--images", "2",
        "--keep-serving", "--port", Integer.toString(port), "--grpc-port",
        Integer.toString(grpcPort)}, new PrintWriter(text, true), new PrintWriter(errors, true))),
        "demo");
    demo.start();
    long deadline = System.nanoTime() + 180_000_000_000L;
    while (!text.toString().contains("until Ctrl-C") && demo.isAlive()
        && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    try {
      assertTrue(text.toString().contains("until Ctrl-C: REST http://127.0.0.1:" + port
          + ", gRPC 127.0.0.1:" + grpcPort), text + "\n" + errors);

      Path samples = out.resolve(DemoSamples.FOLDER);
      Dataset test = Datasets.load("digits").test();
      List<String> pngs;
      try (Stream<Path> s = Files.list(samples)) {
        pngs = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".png")).sorted()
            .toList();
      }
      assertEquals(test.classes(), pngs.size(), pngs.toString());
      for (int label = 0; label < test.classes(); label++) {
        Path png = samples.resolve(DemoSamples.fileName(label, test.classNames().get(label)));
        float[] seen = ImageFolders.toInput(ImageIO.read(png.toFile()), 1, 8, 8);
        float[] first = test.image(firstOfClass(test, label));
        for (int i = 0; i < first.length; i++) {
          assertEquals(first[i], seen[i], 0.51 / 255, png + " is the class's first test image");
        }
      }

      String url = "http://127.0.0.1:" + port + "/v2/models/" + DemoCommand.SLIM_MODEL;
      Path firstPng = samples.resolve(DemoSamples.fileName(0, test.classNames().get(0)));
      JsonNode inferred = post(url + "/infer", Files.readAllBytes(
          samples.resolve(DemoSamples.REQUEST)), "application/json");
      assertEquals("sample-0-" + test.classNames().get(0), inferred.get("id").asText());
      JsonNode probs = null;
      for (JsonNode o : inferred.get("outputs")) {
        probs = o.get("name").asText().equals("probs") ? o.get("data") : probs;
      }
      int best = 0;
      for (int k = 1; k < probs.size(); k++) {
        best = probs.get(k).asDouble() > probs.get(best).asDouble() ? k : best;
      }
      // request.json is normalised as the card says: the server answers it as it answers the PNG.
      JsonNode classified = post(url + "/classify?top_k=1", Files.readAllBytes(firstPng),
          "image/png").get("predictions").get(0);
      assertEquals(best, classified.get("index").asInt());
      assertEquals(probs.get(best).asDouble(), classified.get("probability").asDouble(), 1e-6);
      JsonNode top3 = post(url + "/infer", Files.readAllBytes(
          samples.resolve(DemoSamples.CLASSIFICATION_REQUEST)), "application/json")
          .get("outputs").get(0);
      assertEquals("BYTES", top3.get("datatype").asText());
      assertEquals(3, top3.get("data").size());
      assertTrue(top3.get("data").get(0).asText().endsWith(":" + best + ":"
          + test.classNames().get(best)), top3.toString());
    } finally {
      demo.interrupt();
      demo.join(60_000);
    }
    assertFalse(demo.isAlive(), "the demo did not stop");
    assertEquals(0, exit.get(), errors.toString());
    assertTrue(text.toString().contains("ke demo: stopped"), text.toString());
    assertTrue(free(port) && free(grpcPort), "the ports are released");
  }

  @Test
  void keepServingReportsABusyPortBeforeTraining(@TempDir Path dir) throws Exception {
    // Held here if it is free; if something else holds it, it is just as busy.
    try (ServerSocket held = bindOrNull(DemoCommand.KEEP_SERVING_PORT)) {
      Path out = dir.resolve("demo");
      CliRun r = CliRun.of("demo", "--out", out.toString(), "--keep-serving");
      assertEquals(1, r.exitCode(), r.out() + r.err());
      assertTrue(r.err().contains("port " + DemoCommand.KEEP_SERVING_PORT + " on 127.0.0.1 is "
          + "in use") && r.err().contains("--port"), r.err());
      assertFalse(Files.exists(out), "nothing is trained or written");
    }
  }

  private static int firstOfClass(Dataset d, int label) {
    for (int i = 0; i < d.size(); i++) {
      if (d.label(i) == label) {
        return i;
      }
    }
    throw new AssertionError("no test image of class " + label);
  }

  private static JsonNode post(String url, byte[] body, String type) throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(url)).header("Content-Type", type)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), url + ": " + r.body());
    return JSON.readTree(r.body());
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static boolean free(int port) {
    try (ServerSocket s = bindOrNull(port)) {
      return s != null;
    } catch (IOException e) {
      return false;
    }
  }

  private static ServerSocket bindOrNull(int port) {
    try {
      ServerSocket s = new ServerSocket();
      try {
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        return s;
      } catch (IOException e) {
        s.close();
        return null;
      }
    } catch (IOException e) {
      return null;
    }
  }
}
