package io.kebridge.onnx.imports;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.testing.PythonPeer;
import io.kebridge.onnx.TestNetworks;
import io.kebridge.onnx.parity.ParityReport;
import io.kebridge.onnx.runtime.OrtSettings;
import io.kebridge.training.graph.TfForward;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real files from PyTorch: small torchvision networks (ResNet-50's bottlenecks, VGG-19 with a
 * fixed batch of one, SqueezeNet 1.0 and 1.1, DenseNet-121, MobileNetV2) and older code's
 * {@code x.view(x.size(0), -1)} exported by torch.onnx at opsets 7 to 18, by the TorchScript
 * exporter and (where onnxscript is installed) the dynamo exporter with its external weights.
 * Each import must give, on TensorFlow, the logits the file gives on ONNX Runtime (the import
 * check) and the logits PyTorch itself computed. Skipped with a note where python3, torch or
 * torchvision is missing.
 */
class TorchExportsTest {
  @TempDir static Path dir;

  private static List<String[]> manifest;

  private static synchronized List<String[]> exports() throws IOException {
    if (manifest == null) {
      PythonPeer.assumeModules("torch", "torchvision");
      Path script = dir.resolve("torch_exports.py");
      try (InputStream in = TorchExportsTest.class.getResourceAsStream("torch_exports.py")) {
        Files.copy(in, script);
      }
      PythonPeer.Result r = PythonPeer.run(600,
          "import runpy, sys; sys.argv = sys.argv[1:]; runpy.run_path(sys.argv[0],"
              + " run_name='__main__')", script.toString(), dir.toString());
      assertEquals(0, r.exit(), r.output());
      manifest = new ArrayList<>();
      for (String line : Files.readAllLines(dir.resolve("manifest.tsv"),
          StandardCharsets.UTF_8)) {
        if (!line.isBlank()) {
          manifest.add(line.split("\t"));
        }
      }
      System.err.println("torch.onnx exports: " + manifest.size() + " files; " + r.output()
          .lines().filter(l -> l.startsWith("skipped")).toList());
    }
    return manifest;
  }

  private static float[][] floats(Path file, int rows) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    int n = b.remaining() / Float.BYTES;
    float[][] out = new float[rows][n / rows];
    for (float[] row : out) {
      b.asFloatBuffer().get(row);
      b.position(b.position() + row.length * Float.BYTES);
    }
    return out;
  }

  private static float[] logSoftmax(float[] z) {
    double max = Double.NEGATIVE_INFINITY;
    for (float v : z) {
      max = Math.max(max, v);
    }
    double sum = 0;
    for (float v : z) {
      sum += Math.exp(v - max);
    }
    float[] out = new float[z.length];
    for (int i = 0; i < z.length; i++) {
      out[i] = (float) (z[i] - max - Math.log(sum));
    }
    return out;
  }

  @TestFactory
  Stream<DynamicTest> eachTorchExportImportsToTheLogitsOfOnnxRuntimeAndPyTorch()
      throws IOException {
    return exports().stream().map(row -> DynamicTest.dynamicTest(row[0], () -> {
      String name = row[0];
      int n = Integer.parseInt(row[1]);
      ImportedModel m = OnnxImporter.read(dir.resolve(name + ".onnx"));
      float[][] x = floats(dir.resolve(name + ".input.bin"), n);
      float[][] torch = floats(dir.resolve(name + ".logits.bin"), n);
      assertEquals(Integer.parseInt(row[2]), m.spec().classes(), name);
      assertEquals(Long.parseLong(row[3]), m.original().batch(), name);
      try (TfForward tf = TfForward.open(m.spec(), m.weights())) {
        ParityReport p = ImportCheck.run(m, tf, x, OrtSettings.defaults());
        assertTrue(p.passed(), name + ": " + p.describe());
        float[][] got = tf.logits(x);
        if (m.original().head() == OriginalModel.Head.LOG_SOFTMAX) {
          for (int i = 0; i < n; i++) {
            got[i] = logSoftmax(got[i]);
          }
        }
        double diff = TestNetworks.maxAbsDiff(torch, got);
        assertTrue(diff <= 1e-4 * TestNetworks.maxAbs(torch),
            name + ": imported logits differ from PyTorch's by " + diff + " (largest "
                + TestNetworks.maxAbs(torch) + ")");
      }
    }));
  }
}
