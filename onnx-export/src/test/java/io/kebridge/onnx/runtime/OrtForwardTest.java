package io.kebridge.onnx.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.TestNetworks;
import io.kebridge.onnx.export.ExportOptions;
import io.kebridge.onnx.export.OnnxExporter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

class OrtForwardTest {
  private final NetworkSpec spec = TestNetworks.smallCnn();
  private final ModelProto model = OnnxExporter.export(spec, WeightInit.randomized(spec, 4),
      TestNetworks.card(spec), ExportOptions.defaults());

  @Test
  void batchDimensionIsDynamicAndRowsAreIndependent() {
    float[][] x = TestNetworks.images(spec, 3, 1);
    try (OrtForward f = OrtForward.open(model, OrtSettings.defaults())) {
      assertEquals(-1, f.inputShape()[0]);
      float[][] all = f.logits(x);
      for (int i = 0; i < x.length; i++) {
        float[][] one = f.logits(new float[][] {x[i]});
        assertArrayEquals(all[i], one[0], 1e-5f * Math.max(1f, (float) TestNetworks.maxAbs(all)));
      }
    }
  }

  @Test
  void anImageOfTheWrongSizeIsRefusedBeforeTheNativeCall() {
    try (OrtForward f = OrtForward.open(model, OrtSettings.defaults())) {
      OnnxException e = assertThrows(OnnxException.class, () -> f.logits(new float[][] {{1, 2}}));
      assertTrue(e.getMessage().contains("1x8x8 = 64"), e.getMessage());
    }
  }

  @Test
  void bigEndianOrHeapBuffersAreRefusedRatherThanMisread() {
    try (OrtForward f = OrtForward.open(model, OrtSettings.defaults())) {
      FloatBuffer bigEndian = ByteBuffer.allocateDirect(64 * 4).order(ByteOrder.BIG_ENDIAN)
          .asFloatBuffer();
      assertThrows(OnnxException.class, () -> f.run(bigEndian, 1));
      assertThrows(OnnxException.class, () -> f.run(FloatBuffer.allocate(64), 1));
    }
  }

  @Test
  void aClosedForwardThrowsIllegalState() {
    OrtForward f = OrtForward.open(model, OrtSettings.defaults());
    f.close();
    f.close();
    assertThrows(IllegalStateException.class, () -> f.logits(TestNetworks.images(spec, 1, 1)));
  }

  @Test
  void modelBytesThatOnnxRuntimeRejectsGiveAnOnnxException() {
    OnnxException e = assertThrows(OnnxException.class,
        () -> OrtForward.open(new byte[] {1, 2, 3}, OrtSettings.defaults()));
    assertTrue(e.getMessage().startsWith("ONNX Runtime cannot load the model"), e.getMessage());
  }
}
