package io.kebridge.onnx.quantize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.testing.PythonPeer;
import io.kebridge.onnx.graph.OnnxFiles;
import io.kebridge.onnx.runtime.OrtForward;
import io.kebridge.onnx.runtime.OrtSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX Runtime's own Python tools as an independent peer on the trained digits CNN: the official
 * checker accepts ke-bridge's INT8 file, Python's onnxruntime runs it to the logits Java got, and
 * {@code onnxruntime.quantization.quantize_static} on the same folded float model with the same
 * calibration images writes the same int8 weights and input scale and keeps no more accuracy.
 * Skipped, with a note, where python3 with onnx and onnxruntime is missing ({@code pip install
 * onnx onnxruntime}; {@code .ci/run} installs them).
 */
class OrtPythonPeerTest {

  @Test
  void onnxRuntimesOwnQuantiserAgreesWithKeBridge(@TempDir Path dir) throws Exception {
    PythonPeer.assumeModules("onnx", "onnxruntime.quantization=onnxruntime");
    TrainedDigits net = TrainedDigits.get();
    ModelProto folded = net.floatModel(true);
    CalibrationSet calibration = net.calibration(128);
    ModelProto int8 = Quantizer.quantize(folded, calibration, QuantizationSettings.defaults(),
        OrtSettings.defaults()).model();
    Dataset test = TrainedDigits.DIGITS.test();
    float[][] images = new float[test.size()][];
    int[] labels = new int[test.size()];
    for (int i = 0; i < images.length; i++) {
      images[i] = net.card.normalization().normalize(test.image(i));
      labels[i] = test.label(i);
    }
    float[][] javaLogits;
    try (OrtForward f = OrtForward.open(int8, OrtSettings.defaults())) {
      javaLogits = f.logits(images);
    }
    OnnxFiles.write(folded, dir.resolve("fp32.onnx"));
    OnnxFiles.write(int8, dir.resolve("int8.onnx"));
    writeFloats(dir.resolve("calib.bin"), calibration.images());
    writeFloats(dir.resolve("test.bin"), images);
    writeFloats(dir.resolve("java.bin"), javaLogits);
    ByteBuffer lb = ByteBuffer.allocate(labels.length * 4).order(ByteOrder.LITTLE_ENDIAN);
    lb.asIntBuffer().put(labels);
    Files.write(dir.resolve("labels.bin"), lb.array());
    String script;
    try (InputStream in = getClass().getResourceAsStream("ort_peer.py")) {
      script = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    var shape = net.spec.input().shape();
    PythonPeer.Result r = PythonPeer.run(300, script, dir.resolve("fp32.onnx").toString(),
        dir.resolve("int8.onnx").toString(), dir.resolve("calib.bin").toString(),
        dir.resolve("test.bin").toString(), dir.resolve("labels.bin").toString(),
        dir.resolve("java.bin").toString(), Integer.toString(shape.channels()),
        Integer.toString(shape.height()), Integer.toString(shape.width()));
    assertEquals(0, r.exit(), r.output());
    String json = r.output().lines().filter(l -> l.startsWith("{")).reduce((a, b) -> b)
        .orElseThrow(() -> new AssertionError("no JSON from the peer: " + r.output()));
    JsonNode j = new ObjectMapper().readTree(json);
    assertEquals("ok", j.get("checker").asText());
    assertEquals(17, j.get("opset").asInt());
    // another ONNX Runtime (Python's, often a newer release) runs the file to the same logits
    assertTrue(j.get("python_vs_java").asDouble() < 1e-3, json);
    // both quantisers keep the float model's accuracy on the 359 test images, ke-bridge's no worse
    double fp32 = j.get("fp32").asDouble();
    assertTrue(fp32 > 0.8, json);
    assertTrue(fp32 - j.get("ours").asDouble() <= 0.01, json);
    assertTrue(j.get("ours").asDouble() >= j.get("theirs").asDouble() - 0.006, json);
    assertTrue(j.get("ours_agreement").asDouble() >= j.get("theirs_agreement").asDouble() - 0.006,
        json);
    // the same int8 weights: one rule for scales and rounding
    List<String> names = new ArrayList<>();
    j.get("weights").fieldNames().forEachRemaining(names::add);
    assertEquals(List.of("conv1.weight_quantized", "conv2.weight_quantized",
        "conv3.weight_quantized", "fc.weight_quantized"), names.stream().sorted().toList());
    for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>)
        j.get("weights")::fields) {
      assertTrue(e.getValue().asDouble() >= 0.999, e.getKey() + ": " + json);
    }
    // and the same input range from the same calibration images
    double ours = j.get("input_scale").get(0).asDouble();
    double theirs = j.get("input_scale").get(1).asDouble();
    assertEquals(theirs, ours, 1e-6 * theirs, json);
    JsonNode scales = j.get("activation_scales");
    assertTrue(scales.size() >= 3, json);
    for (Map.Entry<String, JsonNode> e : (Iterable<Map.Entry<String, JsonNode>>) scales::fields) {
      double a = e.getValue().get(0).asDouble();
      double b = e.getValue().get(1).asDouble();
      assertEquals(b, a, 1e-5 * b, e.getKey() + ": " + json);
    }
  }

  private static void writeFloats(Path file, float[][] rows) throws IOException {
    int n = 0;
    for (float[] r : rows) {
      n += r.length;
    }
    ByteBuffer b = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (float[] r : rows) {
      b.asFloatBuffer().put(r);
      b.position(b.position() + r.length * 4);
    }
    Files.write(file, b.array());
  }
}
