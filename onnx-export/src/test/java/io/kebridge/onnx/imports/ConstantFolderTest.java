package io.kebridge.onnx.imports;

import static io.kebridge.onnx.imports.Onnx.i;
import static io.kebridge.onnx.imports.Onnx.is;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import io.kebridge.onnx.graph.TensorProtos;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Constant folding follows each operator's ONNX definition (numpy's semantics): the values below
 * are what numpy gives for the same operations.
 */
class ConstantFolderTest {
  private final ConstantFolder folder = new ConstantFolder(13, 1000);

  private ConstTensor fold(String op, List<ConstTensor> in, AttributeProto... attrs) {
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).addOutput("y");
    for (AttributeProto a : attrs) {
      n.addAttribute(a);
    }
    for (int k = 0; k < in.size(); k++) {
      n.addInput(in.get(k) == null ? "" : "x" + k);
    }
    return folder.fold(n.build(), in);
  }

  private static ConstTensor f(long[] dims, float... v) {
    return ConstTensor.floats("f", dims, v);
  }

  private static ConstTensor l(long[] dims, long... v) {
    return ConstTensor.longs("l", dims, v);
  }

  private static float[] range(int n) {
    float[] v = new float[n];
    for (int k = 0; k < n; k++) {
      v[k] = k;
    }
    return v;
  }

  @Test
  void gatherSliceTransposeAndConcatMoveElementsAsNumpyDoes() {
    ConstTensor x = f(new long[] {2, 3, 2}, range(12));
    // x[:, [2, -3], :]
    ConstTensor g = fold("Gather", List.of(x, l(new long[] {2}, 2, -3)), i("axis", 1));
    assertArrayEquals(new long[] {2, 2, 2}, g.dims());
    assertArrayEquals(new float[] {4, 5, 0, 1, 10, 11, 6, 7}, g.floats());
    // x[1::-1, ::2, 1]
    ConstTensor s = fold("Slice", List.of(x, l(new long[] {3}, 1, 0, 1),
        l(new long[] {3}, Long.MIN_VALUE + 1, Long.MAX_VALUE, 2), l(new long[] {3}, 0, 1, 2),
        l(new long[] {3}, -1, 2, 1)));
    assertArrayEquals(new long[] {2, 2, 1}, s.dims());
    assertArrayEquals(new float[] {7, 11, 1, 5}, s.floats());
    ConstTensor t = fold("Transpose", List.of(x), is("perm", 2, 0, 1));
    assertArrayEquals(new long[] {2, 2, 3}, t.dims());
    assertArrayEquals(new float[] {0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 11}, t.floats());
    ConstTensor c = fold("Concat", List.of(x, f(new long[] {2, 1, 2}, 90, 91, 92, 93)),
        i("axis", 1));
    assertArrayEquals(new long[] {2, 4, 2}, c.dims());
    assertArrayEquals(new float[] {0, 1, 2, 3, 4, 5, 90, 91, 6, 7, 8, 9, 10, 11, 92, 93},
        c.floats());
  }

  @Test
  void shapesReshapeSqueezeUnsqueezeFlattenAndExpand() {
    ConstTensor x = f(new long[] {2, 3, 2}, range(12));
    assertArrayEquals(new long[] {2, 6}, fold("Reshape", List.of(x,
        l(new long[] {2}, 0, -1))).dims());
    assertArrayEquals(new long[] {1, 2, 3, 2, 1}, fold("Unsqueeze", List.of(x,
        l(new long[] {2}, 0, -1))).dims());
    ConstTensor ones = f(new long[] {1, 3, 1}, 1, 2, 3);
    assertArrayEquals(new long[] {3}, fold("Squeeze", List.of(ones)).dims());
    assertArrayEquals(new long[] {6, 2}, fold("Flatten", List.of(x), i("axis", 2)).dims());
    ConstTensor e = fold("Expand", List.of(ones, l(new long[] {3}, 2, 1, 2)));
    assertArrayEquals(new long[] {2, 3, 2}, e.dims());
    assertArrayEquals(new float[] {1, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3}, e.floats());
    ConstTensor shape = fold("Shape", List.of(x), i("start", -2));
    assertArrayEquals(new long[] {3, 2}, shape.longs());
  }

  @Test
  void arithmeticBroadcastsCastTruncatesAndConstantOfShapeFills() {
    ConstTensor a = f(new long[] {2, 1}, 1, 2);
    ConstTensor b = f(new long[] {3}, 10, 20, 30);
    assertArrayEquals(new float[] {11, 21, 31, 12, 22, 32}, fold("Add", List.of(a, b)).floats());
    assertArrayEquals(new float[] {0.5f, 1}, fold("Div", List.of(a, f(new long[0], 2))).floats());
    assertArrayEquals(new long[] {1, -2}, fold("Cast", List.of(f(new long[] {2}, 1.7f, -2.9f)),
        i("to", TensorProto.DataType.INT64_VALUE)).longs());
    ConstTensor z = fold("ConstantOfShape", List.of(l(new long[] {2}, 2, 3)),
        Onnx.tensor("value", Onnx.int64(new long[] {1}, 7)));
    assertArrayEquals(new long[] {2, 3}, z.dims());
    assertArrayEquals(new long[] {7, 7, 7, 7, 7, 7}, z.longs());
    assertArrayEquals(new long[] {-3, 3}, fold("Neg", List.of(l(new long[] {2}, 3, -3))).longs());
  }

  @Test
  void theSymbolicBatchPassesThroughShapeOpsButNotArithmeticAndTheBudgetHolds() {
    ConstTensor shape = l(new long[] {4}, ConstTensor.BATCH, 8, 4, 4);
    ConstTensor n = fold("Gather", List.of(shape, l(new long[0], 0)), i("axis", 0));
    ConstTensor target = fold("Concat", List.of(fold("Unsqueeze", List.of(n,
        l(new long[] {1}, 0))), l(new long[] {1}, -1)), i("axis", 0));
    assertArrayEquals(new long[] {ConstTensor.BATCH, -1}, target.longs());
    assertTrue(target.hasBatch());
    Refusal r = assertThrows(Refusal.class, () -> fold("Mul", List.of(n, l(new long[0], 2))));
    assertTrue(r.reason().contains("from the batch size"), r.reason());
    Refusal big = assertThrows(Refusal.class, () -> fold("ConstantOfShape",
        List.of(l(new long[] {2}, 100, 100))));
    assertTrue(big.reason().contains("1000 values at most"), big.reason());
  }

  @Test
  void storedTensorsOfEveryReadTypeConvert() {
    // float16 1.5 and -2 are 0x3E00 and 0xC000; bfloat16 1.5 is 0x3FC0
    TensorProto half = TensorProto.newBuilder().setDataType(TensorProto.DataType.FLOAT16_VALUE)
        .addDims(2).setRawData(com.google.protobuf.ByteString.copyFrom(new byte[] {0x00, 0x3E,
            0x00, (byte) 0xC0})).build();
    assertArrayEquals(new float[] {1.5f, -2f}, TensorProtos.toFloats(half));
    TensorProto bf = TensorProto.newBuilder().setDataType(TensorProto.DataType.BFLOAT16_VALUE)
        .addDims(1).addInt32Data(0x3FC0).build();
    assertArrayEquals(new float[] {1.5f}, TensorProtos.toFloats(bf));
    ByteBuffer d = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putDouble(0.25)
        .putDouble(-3);
    TensorProto dbl = TensorProto.newBuilder().setDataType(TensorProto.DataType.DOUBLE_VALUE)
        .addDims(2).setRawData(com.google.protobuf.ByteString.copyFrom(d.array())).build();
    assertArrayEquals(new float[] {0.25f, -3f}, TensorProtos.toFloats(dbl));
    TensorProto i32 = TensorProto.newBuilder().setDataType(TensorProto.DataType.INT32_VALUE)
        .addDims(3).addAllInt32Data(List.of(-1, 0, 7)).build();
    assertArrayEquals(new long[] {-1, 0, 7}, TensorProtos.toLongs(i32));
    TensorProto u8 = TensorProto.newBuilder().setDataType(TensorProto.DataType.UINT8_VALUE)
        .addDims(2).setRawData(com.google.protobuf.ByteString.copyFrom(new byte[] {(byte) 200,
            3})).build();
    assertArrayEquals(new long[] {200, 3}, TensorProtos.toLongs(u8));
  }

  @Test
  void torchModuleNamesComeFromScopedNodeNames() {
    List<String[]> cases = new ArrayList<>(List.of(
        new String[] {"/layer1/layer1.0/conv1/Conv", "layer1.0.conv1"},
        new String[] {"/layer1/layer1.0/downsample/downsample.0/Conv", "layer1.0.downsample.0"},
        new String[] {"/features/features.0/Conv", "features.0"},
        new String[] {"/features/denseblock1/denselayer1/conv1/Conv",
            "features.denseblock1.denselayer1.conv1"},
        new String[] {"/Flatten", null},
        new String[] {"conv1", null}));
    for (String[] c : cases) {
      assertEquals(c[1], LayerNames.scoped(c[0]), Arrays.toString(c));
    }
  }
}
