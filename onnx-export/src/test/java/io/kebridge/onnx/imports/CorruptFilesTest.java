package io.kebridge.onnx.imports;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.graph.OnnxFiles;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Files corrupted at random, in their bytes and in their structure (dimensions, attribute values,
 * operator types, edges and nodes changed): whatever parses must be imported or refused with one
 * line that names the file and says what is wrong, never another exception. Run more trials
 * with {@code -Dfuzz.trials=N -Dfuzz.seed=S} (60,000 found nothing more while writing this).
 */
class CorruptFilesTest {
  private static final int TRIALS = Integer.getInteger("fuzz.trials", 1500);
  private static final long SEED = Long.getLong("fuzz.seed", 42);

  private static final List<ModelProto> FILES = List.of(ForeignModels.torchPadAndFlatten(13),
      ForeignModels.caffe2AffineAndLrn(), ForeignModels.zooSqueezeNet(), ForeignModels.tfStyle(true),
      ForeignModels.gemmVariants(), ForeignModels.torchOpset7(), ForeignModels.caffe2ResNet(3, 7));

  private static final String[] OPS = {"Conv", "Relu", "MaxPool", "AveragePool", "Add", "Concat",
      "Reshape", "Gemm", "MatMul", "Flatten", "Pad", "Gather", "Slice", "Shape", "Unsqueeze",
      "Squeeze", "Transpose", "Expand", "ConstantOfShape", "Sum", "Mul", "Div", "Sub",
      "BatchNormalization", "LRN", "Clip", "Softmax", "Dropout", "Identity", "GlobalAveragePool",
      "ReduceMean", "Cast"};

  private static final long[] VALUES = {0, 1, 2, 3, -1, -2, 7, 100, 65537, 1L << 31, 1L << 40,
      Long.MAX_VALUE, Long.MIN_VALUE};

  private static void importOrRefuseClearly(ModelProto m) {
    try {
      OnnxImporter.convert(m, "fuzz.onnx");
    } catch (OnnxException e) {
      String msg = e.getMessage();
      assertFalse(msg.contains("\n"), msg);
      assertTrue(msg.startsWith("fuzz.onnx"), msg);
      assertFalse(msg.contains("could not be read ("), "a case the importer should name: " + msg);
    }
  }

  @Test
  void filesWithFlippedBytesAreImportedOrRefusedInOneLine() {
    SplittableRandom r = new SplittableRandom(SEED);
    for (int trial = 0; trial < TRIALS; trial++) {
      byte[] b = FILES.get(trial % FILES.size()).toByteArray();
      for (int k = 0; k < 1 + r.nextInt(3); k++) {
        b[r.nextInt(b.length)] ^= (byte) (1 + r.nextInt(255));
      }
      ModelProto m;
      try {
        m = OnnxFiles.parse(b, "fuzz.onnx");
      } catch (OnnxException e) {
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        continue;
      }
      importOrRefuseClearly(m);
    }
  }

  @Test
  void filesWithChangedDimensionsAttributesOperatorsAndEdgesAreImportedOrRefusedInOneLine() {
    SplittableRandom r = new SplittableRandom(SEED);
    for (int trial = 0; trial < TRIALS; trial++) {
      ModelProto.Builder b = FILES.get(trial % FILES.size()).toBuilder();
      GraphProto.Builder g = b.getGraphBuilder();
      for (int k = 0; k < 1 + r.nextInt(3); k++) {
        mutate(g, r);
      }
      importOrRefuseClearly(b.build());
    }
  }

  private static void mutate(GraphProto.Builder g, SplittableRandom r) {
    long v = VALUES[r.nextInt(VALUES.length)];
    var n = g.getNodeBuilder(r.nextInt(g.getNodeCount()));
    switch (r.nextInt(7)) {
      case 0 -> {
        var t = g.getInitializerBuilder(r.nextInt(g.getInitializerCount()));
        if (t.getDimsCount() > 0) {
          t.setDims(r.nextInt(t.getDimsCount()), v);
        }
      }
      case 1 -> {
        if (n.getAttributeCount() > 0) {
          var a = n.getAttributeBuilder(r.nextInt(n.getAttributeCount()));
          if (a.getIntsCount() > 0) {
            a.setInts(r.nextInt(a.getIntsCount()), v);
          } else {
            a.setI(v);
          }
        }
      }
      case 2 -> n.setOpType(OPS[r.nextInt(OPS.length)]);
      case 3 -> {
        var other = g.getNode(r.nextInt(g.getNodeCount()));
        if (n.getInputCount() > 0 && other.getOutputCount() > 0) {
          n.setInput(r.nextInt(n.getInputCount()), other.getOutput(0));
        }
      }
      case 4 -> {
        if (g.getNodeCount() > 2) {
          g.removeNode(r.nextInt(g.getNodeCount()));
        }
      }
      case 5 -> {
        if (n.getInputCount() > 0) {
          n.setInput(r.nextInt(n.getInputCount()),
              g.getInitializer(r.nextInt(g.getInitializerCount())).getName());
        }
      }
      default -> n.addAttribute(AttributeProto.newBuilder()
          .setName(new String[] {"axis", "group", "ceil_mode", "count_include_pad", "transB",
              "allowzero", "keepdims"}[r.nextInt(7)])
          .setType(AttributeProto.AttributeType.INT).setI(v));
    }
  }
}
