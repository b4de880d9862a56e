package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.data.Datasets;
import io.kebridge.models.forward.Forward;
import io.kebridge.onnx.graph.OnnxFiles;
import io.kebridge.onnx.runtime.OrtForward;
import io.kebridge.onnx.runtime.OrtSettings;
import io.kebridge.serve.InferenceServer;
import io.kebridge.serve.config.ServerConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ke export --quantize int8} on a run that was really trained (a width-8 small CNN, five
 * epochs on the digits): the INT8 file passes its fusion and accuracy checks, carries its card, and
 * the server answers from the repository entry as the file computes.
 */
class Int8ExportTest {
  @TempDir static Path shared;
  static Path run;

  @BeforeAll
  static void train() {
    run = shared.resolve("run");
    CliRun r = CliRun.of("train", "--data", "digits", "--arch", "small-cnn", "--width", "8",
        "--generations", "1", "--epochs", "5", "--seed", "3", "--progress", "lines", "--out",
        run.toString());
    assertEquals(0, r.exitCode(), r.err() + r.out());
  }

  @Test
  void int8ExportIsServedFromTheRepositoryAsTheFileComputes(@TempDir Path dir) throws Exception {
    Path repo = dir.resolve("repo");
    CliRun r = CliRun.of("export", run.toString(), "--quantize", "int8", "--calibration", "128",
        "--repository", repo.toString(), "--name", "digits-int8");
    assertEquals(0, r.exitCode(), r.err() + r.out());
    String out = r.out();
    assertTrue(out.contains("INT8: minmax, per-channel weights, calibration on 128 images of"
        + " digits[train] (stratified, seed 0)"), out);
    assertTrue(out.contains("ONNX Runtime fused Conv 3/3 -> QLinearConv, Gemm 1/1 -> QGemm"), out);
    assertTrue(out.contains("INT8 vs FP32 on 359 test images") && out.contains(": PASS"), out);
    Path file = repo.resolve("digits-int8/1/model.onnx");
    Map<String, String> meta = OnnxFiles.metadata(OnnxFiles.read(file));
    assertEquals("int8", meta.get("ke.quantization.precision"));
    assertEquals("128", meta.get("ke.quantization.calibration_images"));
    assertEquals("true", meta.get("ke.parity.passed")); // the float graph it came from, vs TF
    double loss = Double.parseDouble(meta.get("ke.quantization.accuracy_loss_points"));
    assertTrue(loss <= 1.0, meta.toString());
    String config = Files.readString(repo.resolve("digits-int8/config.pbtxt"));
    var input = io.kebridge.modelconfig.ModelConfigText.parse(config, "config.pbtxt").config()
        .getInput(0);
    assertEquals("TYPE_FP32", input.getDataType().name(), config);
    assertEquals(java.util.List.of(1L, 8L, 8L), input.getDimsList(), config);

    ModelCard card = ModelCard.fromMetadata(meta);
    Dataset test = Datasets.load("digits").test();
    float[] x = card.normalization().normalize(test.image(5));
    float[] expected;
    try (OrtForward f = OrtForward.open(file, OrtSettings.defaults())) {
      expected = f.logits(new float[][] {x})[0];
    }
    try (InferenceServer server =
        InferenceServer.start(ServerConfig.builder(repo).port(0).build())) {
      StringBuilder data = new StringBuilder();
      for (int i = 0; i < x.length; i++) {
        data.append(i == 0 ? "" : ",").append(x[i]);
      }
      HttpResponse<String> infer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
              URI.create(server.url() + "/v2/models/digits-int8/infer"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"inputs\":[{\"name\":\"input\",\"shape\":"
              + "[1,1,8,8],\"datatype\":\"FP32\",\"data\":[" + data + "]}],"
              + "\"outputs\":[{\"name\":\"logits\"}]}"))
          .build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(200, infer.statusCode(), infer.body());
      JsonNode output = new ObjectMapper().readTree(infer.body()).get("outputs").get(0);
      assertEquals("FP32", output.get("datatype").asText());
      float[] served = new float[expected.length];
      for (int i = 0; i < served.length; i++) {
        served[i] = (float) output.get("data").get(i).asDouble();
      }
      assertArrayEquals(expected, served, 1e-6f);
      assertEquals(test.label(5), Forward.top1(served));
    }
  }

  @Test
  void slimAndImportedNetworksQuantiseToo(@TempDir Path dir) {
    Path slim = dir.resolve("slim-int8.onnx");
    // after one generation the slim network is near chance; the loss limit still applies to it
    CliRun s = CliRun.of("export", run.toString(), "--slim", "--quantize", "int8", "--per-tensor", "--reduce-range",
        "--calibration", "64", "--test-images", "100", "--max-accuracy-loss", "5", "--out",
        slim.toString());
    assertEquals(0, s.exitCode(), s.err() + s.out());
    assertTrue(s.out().contains("INT8 vs FP32 on 100 test images"), s.out());
    Map<String, String> meta = OnnxFiles.metadata(OnnxFiles.read(slim));
    assertEquals("slim", meta.get("ke.network"));
    assertEquals("false", meta.get("ke.quantization.per_channel"));
    assertEquals("true", meta.get("ke.quantization.reduce_range"));

    Path fp32 = dir.resolve("fp32.onnx");
    assertEquals(0, CliRun.of("export", run.toString(), "--out", fp32.toString()).exitCode());
    Path imported = dir.resolve("imported");
    CliRun i = CliRun.of("import", fp32.toString(), "--out", imported.toString());
    assertEquals(0, i.exitCode(), i.err());
    Path out = dir.resolve("imported-int8.onnx");
    CliRun e = CliRun.of("export", imported.toString(), "--quantize", "int8",
        "--calibration-method", "entropy", "--calibration", "64", "--out", out.toString());
    assertEquals(0, e.exitCode(), e.err() + e.out());
    assertEquals("entropy", OnnxFiles.metadata(OnnxFiles.read(out)).get("ke.quantization.method"));
  }

  @Test
  void aBrokenCalibrationFailsTheExportAndWritesNothing(@TempDir Path dir) {
    Path out = dir.resolve("int8.onnx");
    CliRun r = CliRun.of("export", run.toString(), "--quantize", "int8", "--calibration-method",
        "percentile:50.5", "--calibration", "32", "--out", out.toString());
    assertEquals(1, r.exitCode(), r.out());
    assertTrue(r.err().startsWith("ke: error: INT8 vs FP32 on 359 test images"), r.err());
    assertTrue(r.err().contains("loses more accuracy than allowed"), r.err());
    assertFalse(Files.exists(out));

    CliRun none = CliRun.of("export", run.toString(), "--quantize", "int8", "--calibration", "0",
        "--out", out.toString());
    assertEquals(1, none.exitCode());
    assertTrue(none.err().contains("ke: error: no calibration images"), none.err());
    assertFalse(Files.exists(out));
  }

  @Test
  void int8OptionsAreCheckedBeforeAnyWork() {
    CliRun other = CliRun.of("export", run.toString(), "--quantize", "fp16", "--out", "x.onnx");
    assertEquals(2, other.exitCode());
    assertTrue(other.err().contains("--quantize supports int8, got 'fp16'"), other.err());
    CliRun alone = CliRun.of("export", run.toString(), "--per-tensor", "--out", "x.onnx");
    assertEquals(2, alone.exitCode());
    assertTrue(alone.err().contains("--per-tensor needs --quantize int8"), alone.err());
    CliRun method = CliRun.of("export", run.toString(), "--quantize", "int8",
        "--calibration-method", "kl", "--out", "x.onnx");
    assertEquals(2, method.exitCode());
    assertTrue(method.err().contains("unknown calibration method 'kl'"), method.err());
    CliRun help = CliRun.of("export", "--help");
    for (String o : new String[] {"--quantize=int8", "--calibration=N", "--calibration-method",
        "--per-channel", "--per-tensor", "--reduce-range", "--max-accuracy-loss", "--calibration-seed"}) {
      assertTrue(help.out().contains(o), o + " missing from " + help.out());
    }
  }
}
