package io.kebridge.models.weights;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.ModelException;
import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsTest {

  private static NetworkSpec tiny() {
    return Architectures.build(
        "small-cnn", new ArchitectureConfig(new ActivationShape(1, 8, 8), 10, 4, null));
  }

  @Test
  void weightsAndMetadataSurviveARoundTrip(@TempDir Path dir) {
    Weights w = WeightInit.randomized(tiny(), 1);
    Path f = dir.resolve("w.safetensors");
    SafeTensors.write(f, w, Map.of("generation", "2"));
    SafeTensors.Contents back = SafeTensors.read(f);
    assertEquals(Map.of("generation", "2"), back.metadata());
    assertEquals(List.copyOf(w.names()), List.copyOf(back.weights().names()));
    for (String n : w.names()) {
      assertEquals(w.get(n), back.weights().get(n), n);
    }
    back.weights().checkMatches(tiny());
  }

  @Test
  void theFileFollowsTheSafetensorsLayout(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("w.safetensors");
    SafeTensors.write(f, Weights.of(List.of(new Tensor("a", new int[] {2}, new float[] {1f, -2f}))));
    byte[] bytes = Files.readAllBytes(f);
    long headerLen = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
    assertEquals(0, headerLen % 8);
    String header = new String(bytes, 8, (int) headerLen, StandardCharsets.UTF_8).trim();
    assertEquals("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", header);
    ByteBuffer data = ByteBuffer.wrap(bytes, 8 + (int) headerLen, 8).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(1f, data.getFloat());
    assertEquals(-2f, data.getFloat());
  }

  @Test
  void aTruncatedFileIsReportedWithItsName(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("w.safetensors");
    SafeTensors.write(f, WeightInit.heNormal(tiny(), 1));
    byte[] bytes = Files.readAllBytes(f);
    Files.write(f, Arrays.copyOf(bytes, bytes.length - 100));
    ModelException e = assertThrows(ModelException.class, () -> SafeTensors.read(f));
    assertTrue(e.getMessage().contains(f.toString()) && e.getMessage().contains("truncated"),
        e.getMessage());
  }

  @Test
  void garbageAndMissingFilesGiveClearErrors(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("junk.safetensors");
    Files.writeString(f, "this is not a weights file at all");
    ModelException e = assertThrows(ModelException.class, () -> SafeTensors.read(f));
    assertTrue(e.getMessage().contains("not a valid safetensors file"), e.getMessage());
    ModelException m = assertThrows(ModelException.class,
        () -> SafeTensors.read(dir.resolve("missing.safetensors")));
    assertTrue(m.getMessage().contains("does not exist"), m.getMessage());
  }

  @Test
  void writesLeaveNoTemporaryFilesBehind(@TempDir Path dir) throws Exception {
    SafeTensors.write(dir.resolve("w.safetensors"), WeightInit.heNormal(tiny(), 1));
    SafeTensors.write(dir.resolve("w.safetensors"), WeightInit.heNormal(tiny(), 2));
    try (var s = Files.list(dir)) {
      assertEquals(List.of("w.safetensors"), s.map(p -> p.getFileName().toString()).toList());
    }
  }

  @Test
  void mismatchedWeightsNameTheOffendingTensor() {
    Weights w = WeightInit.heNormal(tiny(), 1);
    Weights bad = w.with(new Tensor("conv1.weight", new int[] {4, 1, 5, 5}, new float[100]));
    ModelException e = assertThrows(ModelException.class, () -> bad.checkMatches(tiny()));
    assertTrue(e.getMessage().contains("conv1.weight has shape [4, 1, 5, 5]"), e.getMessage());
  }

  @Test
  void heNormalInitIsSeededAndScaledByFanIn() {
    Weights a = WeightInit.heNormal(tiny(), 5);
    assertEquals(a.get("conv2.weight"), WeightInit.heNormal(tiny(), 5).get("conv2.weight"));
    float[] v = a.get("conv3.weight").data(); // fan-in 8*3*3 = 72
    double sq = 0;
    for (float x : v) {
      sq += x * x;
    }
    assertEquals(Math.sqrt(2.0 / 72), Math.sqrt(sq / v.length), 0.02);
    assertArrayEquals(new float[] {1, 1, 1, 1}, a.get("bn1.weight").data());
  }
}
