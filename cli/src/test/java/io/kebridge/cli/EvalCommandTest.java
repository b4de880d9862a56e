package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.data.Datasets;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.testing.PythonPeer;
import io.kebridge.training.ke.KeConfig;
import io.kebridge.training.ke.KeTrainer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ke eval} counts what the producing stack counts: the trainer's logged dense and slim
 * accuracies, the exported ONNX file on ONNX Runtime, and a PyTorch model's own accuracy on the
 * same images and preprocessing.
 */
class EvalCommandTest {
  @TempDir static Path tmp;
  static Path run;

  @BeforeAll
  static void train() {
    run = tmp.resolve("run");
    KeTrainer.create(KeConfig.builder().dataset("digits").architecture("small-cnn").width(4)
        .generations(2).epochs(1).seed(3).build(), run).run();
  }

  private static JsonNode json(CliRun r) throws Exception {
    assertEquals(0, r.exitCode(), r.err());
    return new ObjectMapper().readTree(r.out());
  }

  @Test
  void denseAndSlimAccuracyEqualWhatTheTrainerLogged() throws Exception {
    var meta = RunDirectory.open(run).generationWeights(2).metadata();
    Dataset test = Datasets.load("digits").test();
    JsonNode dense = json(CliRun.of("eval", run.toString(), "--json"));
    assertEquals(Math.round(Double.parseDouble(meta.get("dense_accuracy")) * test.size()),
        dense.get("top1_correct").asLong());
    assertEquals(test.size(), dense.get("images").asInt());
    JsonNode slim = json(CliRun.of("eval", run.toString(), "--slim", "--json"));
    assertEquals(Math.round(Double.parseDouble(meta.get("slim_accuracy")) * test.size()),
        slim.get("top1_correct").asLong());
    JsonNode first = json(CliRun.of("eval", run.toString(), "--generation", "1", "--json"));
    assertEquals(Math.round(Double.parseDouble(RunDirectory.open(run).generationWeights(1)
        .metadata().get("dense_accuracy")) * test.size()), first.get("top1_correct").asLong());

    // the counts hang together: rows of the confusion matrix are the classes' images
    int sum = 0;
    int diagonal = 0;
    for (int i = 0; i < dense.get("confusion").size(); i++) {
      JsonNode row = dense.get("confusion").get(i);
      int rowSum = 0;
      for (JsonNode v : row) {
        rowSum += v.asInt();
      }
      assertEquals(dense.get("per_class").get(i).get("total").asInt(), rowSum);
      sum += rowSum;
      diagonal += row.get(i).asInt();
    }
    assertEquals(test.size(), sum);
    assertEquals(dense.get("top1_correct").asInt(), diagonal);
    assertTrue(dense.get("topk_correct").asInt() >= diagonal);
  }

  @Test
  void theExportedOnnxFileScoresTheSameOnOnnxRuntime() throws Exception {
    Path onnx = tmp.resolve("dense.onnx");
    CliRun export = CliRun.of("export", run.toString(), "--out", onnx.toString());
    assertEquals(0, export.exitCode(), export.err());
    JsonNode tf = json(CliRun.of("eval", run.toString(), "--json", "--top-k", "3"));
    JsonNode ort = json(CliRun.of("eval", onnx.toString(), "--json", "--top-k", "3"));
    assertEquals("ONNX Runtime", ort.get("runtime").asText());
    assertEquals(tf.get("confusion"), ort.get("confusion"));
    assertEquals(tf.get("topk_correct"), ort.get("topk_correct"));
    CliRun text = CliRun.of("eval", onnx.toString(), "--top-k", "3");
    assertTrue(text.out().contains("top-3 "), text.out());
    assertTrue(text.out().contains("confusion matrix (rows: true class"), text.out());
  }

  @Test
  void mistakesAreOneLineErrors() throws Exception {
    CliRun missing = CliRun.of("eval", tmp.resolve("nope").toString());
    assertEquals(1, missing.exitCode());
    assertTrue(missing.err().contains("does not exist"), missing.err());
    CliRun split = CliRun.of("eval", run.toString(), "--split", "validation");
    assertEquals(2, split.exitCode());
    assertTrue(split.err().contains("--split must be test or train"), split.err());
    StringBuilder csv = new StringBuilder();
    for (int i = 0; i < 30; i++) {
      for (int p = 0; p < 64; p++) {
        csv.append((i * p) % 7).append(',');
      }
      csv.append(i % 3).append('\n');
    }
    Path three = tmp.resolve("three-classes.csv");
    Files.writeString(three, csv);
    CliRun classes = CliRun.of("eval", run.toString(), "--data", three.toString());
    assertEquals(1, classes.exitCode(), classes.out());
    assertEquals(1, classes.err().strip().lines().count(), classes.err());
    assertTrue(classes.err().contains("has 10 classes"), classes.err());
    CliRun stats = CliRun.of("eval", run.toString(), "--mean", "0.1,0.2", "--std", "1,1");
    assertEquals(1, stats.exitCode());
    assertTrue(stats.err().contains("--mean and --std need 1 values each"), stats.err());
  }

  /** A PyTorch CNN trained briefly on the digits, its accuracy counted by PyTorch itself. */
  private static final String TORCH = String.join("\n",
      "import sys, json, numpy as np, torch, torch.nn as nn",
      "torch.manual_seed(0)",
      "n, c, h, w = (int(v) for v in sys.argv[3:7])",
      "x = torch.from_numpy(np.fromfile(sys.argv[1], dtype='<f4').reshape(n, c, h, w))",
      "y = torch.from_numpy(np.fromfile(sys.argv[2], dtype='<i4').astype('int64'))",
      "x = (x - 0.3) / 0.4",
      "m = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(),",
      "    nn.MaxPool2d(2), nn.Conv2d(8, 16, 3, padding=1), nn.ReLU(), nn.AdaptiveAvgPool2d(1),",
      "    nn.Flatten(), nn.Linear(16, 10))",
      "opt = torch.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)",
      "for step in range(60):",
      "    i = torch.randint(0, n, (64,))",
      "    opt.zero_grad(); nn.functional.cross_entropy(m(x[i]), y[i]).backward(); opt.step()",
      "m.eval()",
      "with torch.no_grad():",
      "    correct = int((m(x).argmax(1) == y).sum())",
      "torch.onnx.export(m, x[:1], sys.argv[7], input_names=['x'], output_names=['y'],",
      "    dynamic_axes={'x': {0: 'n'}, 'y': {0: 'n'}}, opset_version=17, dynamo=False)",
      "print(json.dumps({'correct': correct}))",
      "");

  @Test
  void aPyTorchModelScoresWhatPyTorchMeasures(@TempDir Path dir) throws Exception {
    PythonPeer.assumeModules("torch", "onnx", "numpy");
    Dataset test = Datasets.load("digits").test();
    var s = test.shape();
    ByteBuffer images = ByteBuffer.allocate(4 * test.size() * (int) s.elements())
        .order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer labels = ByteBuffer.allocate(4 * test.size()).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < test.size(); i++) {
      for (float v : test.image(i)) {
        images.putFloat(v);
      }
      labels.putInt(test.label(i));
    }
    Files.write(dir.resolve("x.bin"), images.array());
    Files.write(dir.resolve("y.bin"), labels.array());
    Path onnx = dir.resolve("torch.onnx");
    PythonPeer.Result r = PythonPeer.run(TORCH, dir.resolve("x.bin").toString(),
        dir.resolve("y.bin").toString(), Integer.toString(test.size()),
        Integer.toString(s.channels()), Integer.toString(s.height()), Integer.toString(s.width()),
        onnx.toString());
    assertEquals(0, r.exit(), r.output());
    String[] lines = r.output().strip().split("\n");
    int torchCorrect = new ObjectMapper().readTree(lines[lines.length - 1]).get("correct").asInt();
    assertTrue(torchCorrect > test.size() / 2, "the PyTorch model should have learnt: "
        + torchCorrect);
    JsonNode ke = json(CliRun.of("eval", onnx.toString(), "--data", "digits", "--mean", "0.3",
        "--std", "0.4", "--json"));
    assertEquals(torchCorrect, ke.get("top1_correct").asInt());

    // imported, it counts the same on TensorFlow, and is named by the file it came from
    Path imported = dir.resolve("imported");
    CliRun imp = CliRun.of("import", onnx.toString(), "--out", imported.toString(), "--mean",
        "0.3", "--std", "0.4");
    assertEquals(0, imp.exitCode(), imp.err());
    CliRun text = CliRun.of("eval", imported.toString(), "--data", "digits");
    assertEquals(0, text.exitCode(), text.err());
    assertTrue(text.out().startsWith("imported torch.onnx on digits"), text.out());
    assertEquals(torchCorrect, json(CliRun.of("eval", imported.toString(), "--data", "digits",
        "--json")).get("top1_correct").asInt());
  }
}
