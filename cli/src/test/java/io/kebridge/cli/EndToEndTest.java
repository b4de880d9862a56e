package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.card.NetworkKind;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.data.Datasets;
import io.kebridge.models.data.ImageFolders;
import io.kebridge.models.forward.Forward;
import io.kebridge.onnx.runtime.OrtForward;
import io.kebridge.onnx.runtime.OrtSettings;
import io.kebridge.serve.InferenceServer;
import io.kebridge.serve.config.ServerConfig;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole bridge on a tiny network and the digits: train (2 generations of 1 epoch) -> prune ->
 * export with parity -> serve -> classify a real image -> the JSON a client gets is right.
 */
class EndToEndTest {

  @Test
  void demoTrainsPrunesExportsServesAndClassifiesARealImage(@TempDir Path dir) throws Exception {
    Path out = dir.resolve("demo");
    CliRun demo = CliRun.of("demo", "--out", out.toString(), "--data", "digits", "--arch",
        "small-cnn", "--width", "4", "--generations", "2", "--epochs", "1", "--baseline", "none",
        "--images", "3");
    assertEquals(0, demo.exitCode(), demo.err() + demo.out());
    String text = demo.out();
    assertTrue(text.contains("trainer logged") && text.contains(": equal"), text);
    assertEquals(2, text.split("top-1 agreement 32/32: PASS", -1).length - 1, text);
    assertTrue(text.contains("\"predictions\""), text);
    String report = Files.readString(out.resolve("run/report.html"));
    for (String section : new String[] {"Dense vs slim network", "ONNX export parity",
        "Served answers (V2 API)", "Environment", "accuracy-per-generation.png"}) {
      assertTrue(report.contains(section), section);
    }

    Path repo = out.resolve("repository");
    Path slimOnnx = repo.resolve("ke-slim/1/model.onnx");
    ModelCard card = ModelCard.fromMetadata(Reports.metadata(slimOnnx));
    assertEquals(NetworkKind.SLIM, card.network());
    Dataset test = Datasets.load("digits").test();
    byte[] png = DemoSamples.png(test.image(7), test.shape());

    // What the model itself says about exactly the pixels the PNG carries.
    float[] pixels = ImageFolders.toInput(ImageIO.read(new ByteArrayInputStream(png)), 1, 8, 8);
    float[] x = card.normalization().normalize(pixels);
    float[] logits;
    try (OrtForward ort = OrtForward.open(slimOnnx, OrtSettings.defaults())) {
      logits = ort.logits(new float[][] {x})[0];
    }
    int best = Forward.top1(logits);

    try (InferenceServer server =
        InferenceServer.start(ServerConfig.builder(repo).port(0).grpcPort(0).build())) {
      HttpResponse<String> r = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(server.url() + "/v2/models/ke-slim/classify?top_k=3"))
              .header("Content-Type", "image/png")
              .POST(HttpRequest.BodyPublishers.ofByteArray(png)).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode(), r.body());
      JsonNode json = new ObjectMapper().readTree(r.body());
      assertEquals("ke-slim", json.get("model_name").asText());
      JsonNode p = json.get("predictions");
      assertEquals(3, p.size());
      assertEquals(best, p.get(0).get("index").asInt(), r.body());
      assertEquals(card.labels().get(best), p.get(0).get("label").asText());
      double previous = 1.0;
      for (JsonNode q : p) {
        double prob = q.get("probability").asDouble();
        assertTrue(prob >= 0 && prob <= previous, r.body());
        previous = prob;
      }
    }
  }

  @Test
  void aSecondDemoInTheSameFolderResumesTheRunWithItsOwnDataset(@TempDir Path dir) {
    Path out = dir.resolve("demo");
    assertEquals(0, CliRun.of("demo", "--out", out.toString(), "--data", "digits", "--width", "4",
        "--generations", "1", "--epochs", "1", "--baseline", "none", "--images", "2").exitCode());
    // Without --data the option says fashion-mnist-small; the run was trained on the digits.
    CliRun again = CliRun.of("demo", "--out", out.toString(), "--images", "2");
    assertEquals(0, again.exitCode(), again.err() + again.out());
    assertTrue(again.out().contains("resuming it with its saved settings"), again.out());
    assertTrue(again.out().contains("POST /v2/models/ke-slim/classify"), again.out());
  }

  @Test
  void theDemoRefusesAFolderItDidNotMake(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("precious.txt"), "user data");
    CliRun r = CliRun.of("demo", "--out", dir.toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("is not a ke demo folder"), r.err());
    assertTrue(Files.exists(dir.resolve("precious.txt")));
  }
}
