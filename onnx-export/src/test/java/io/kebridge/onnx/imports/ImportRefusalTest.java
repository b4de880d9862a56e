package io.kebridge.onnx.imports;

import static io.kebridge.onnx.imports.Onnx.i;
import static io.kebridge.onnx.imports.Onnx.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.graph.OnnxFiles;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the importer refuses, and how: one line that names the file and lists each reason once
 * with its count and first node; and for corrupt or hostile files (lying dimensions, huge
 * tensors, cycles, missing weights, bad versions) a clear error before anything is allocated
 * that the file cannot back.
 */
class ImportRefusalTest {

  private static String refusal(ModelProto m) {
    OnnxException e = assertThrows(OnnxException.class, () -> OnnxImporter.convert(m, "m.onnx"));
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    assertTrue(e.getMessage().startsWith("m.onnx"), e.getMessage());
    return e.getMessage();
  }

  @Test
  void eachUnsupportedOperatorAndAttributeIsListedOnceWithItsCountAndFirstNode() {
    String m = refusal(ForeignModels.manyUnsupported());
    assertTrue(m.contains("Sigmoid is not supported (3 nodes, first node 1 'gate0')"), m);
    assertTrue(m.contains("HardSwish is not supported (node 6 'hs')"), m);
    assertTrue(m.contains("Conv has dilations [2, 2]; only 1 is supported (3 nodes, first node 0"
        + " 'dil0')"), m);
    assertTrue(m.contains("Gemm has transA=1"), m);
    // the nodes that only read refused ones are consequences, not causes
    assertFalse(m.contains("'ok'"), m);
    assertEquals(1, m.split("Sigmoid", -1).length - 1, "Sigmoid once: " + m);
    assertTrue(m.contains("ke-bridge imports Add, AveragePool"), m);
  }

  @Test
  void operatorsOfOtherDomainsAreNamedWithTheirDomain() {
    Onnx o = new Onnx(1);
    o.input("x", -1, 2, 4, 4);
    o.graph().addNode(NodeProto.newBuilder().setOpType("FusedConv").setDomain("com.microsoft")
        .setName("fused").addInput("x").addOutput("y"));
    o.output("y");
    String m = refusal(o.model(8, 17).toBuilder().addOpsetImport(
        ai.onnx.proto.OnnxMl.OperatorSetIdProto.newBuilder().setDomain("com.microsoft")
            .setVersion(1)).build());
    assertTrue(m.contains("com.microsoft.FusedConv is not supported (node 0 'fused')"), m);
  }

  @Test
  void whatAMappedGraphCannotExpressIsRefused() {
    Onnx o = new Onnx(2);
    o.input("x", -1, 2, 6, 6);
    String a = o.node("Conv", "c1", List.of("x", o.weight("w1", 0.5, 4, 2, 1, 3)),
        is("kernel_shape", 1, 3));
    String b = o.node("Conv", "c2", List.of("x", o.weight("w2", 0.5, 4, 2, 3, 3)),
        is("kernel_shape", 3, 3), is("strides", 1, 2));
    String mul = o.node("Mul", "gate", List.of("x", "x"));
    String pad = o.node("Pad", "reflect", List.of("x"), Onnx.s("mode", "reflect"),
        is("pads", 0, 0, 1, 1, 0, 0, 1, 1));
    String clip = o.node("Clip", "clip", List.of("x"), Onnx.f("min", -1f), Onnx.f("max", 1f));
    String lrn = o.node("LRN", "lrn", List.of("x"), i("size", 4));
    o.output(a).output(b).output(mul).output(pad).output(clip).output(lrn);
    String m = refusal(o.model(4, 9));
    assertTrue(m.contains("Conv has a non-square kernel 1x3"), m);
    assertTrue(m.contains("Conv has strides [1, 2]"), m);
    assertTrue(m.contains("Mul multiplies two activations"), m);
    assertTrue(m.contains("Pad pads in mode 'reflect'"), m);
    assertTrue(m.contains("Clip clips to [-1.0, 1.0]"), m);
    assertTrue(m.contains("LRN has size 4"), m);
  }

  @Test
  void aSoftmaxInsideTheNetworkAndAPadNotBeforeAWindowAreRefused() {
    Onnx o = new Onnx(3);
    o.input("x", -1, 4, 1, 1);
    String flat = o.node("Flatten", "flat", List.of("x"));
    String s = o.node("Softmax", "attn", List.of(flat), i("axis", 1));
    String g = o.node("Gemm", "fc", List.of(s, o.weight("w", 0.5, 3, 4)), i("transB", 1));
    o.output(g);
    assertTrue(refusal(o.model(8, 17)).contains("Gemm reads the output of a Softmax"));
    Onnx p = new Onnx(3);
    p.input("x", -1, 2, 4, 4);
    String pad = p.node("Pad", "pad", List.of("x", p.ints("pads", 0, 0, 1, 1, 0, 0, 1, 1)));
    p.output(p.node("Relu", "relu", List.of(pad)));
    assertTrue(refusal(p.model(8, 17)).contains("Relu reads a Pad; ke-bridge folds a Pad only"));
  }

  @Test
  void aDimensionThatLiesAboutItsDataIsRefusedBeforeAllocation() {
    Onnx o = new Onnx(4);
    o.input("x", -1, 2, 4, 4);
    o.output(o.node("Conv", "c", List.of("x", o.weight("w", 0.5, 3, 2, 3, 3))));
    ModelProto.Builder b = o.model(8, 17).toBuilder();
    // a billion filters announced over 54 values: reading it would allocate gigabytes
    b.getGraphBuilder().getInitializerBuilder(0).setDims(0, 1_000_000_000L);
    String m = refusal(b.build());
    assertTrue(m.contains("tensor w announces 18000000000 values")
        || m.contains("more values than ke-bridge"), m);
    b.getGraphBuilder().getInitializerBuilder(0).setDims(0, 1L << 40);
    assertTrue(refusal(b.build()).contains("tensor w announces dimensions"));
    b.getGraphBuilder().getInitializerBuilder(0).setDims(0, 3).setDims(1, 1);
    assertTrue(refusal(b.build()).contains("announces 27 values (dimensions [3, 1, 3, 3]) but"
        + " holds 54"));
  }

  @Test
  void aConstantOfShapeAskingForBillionsOfValuesIsRefused() {
    Onnx o = new Onnx(5);
    o.input("x", -1, 2, 4, 4);
    String huge = o.node("ConstantOfShape", "zeros", List.of(o.ints("shape", 100000, 100000)));
    o.output(o.node("Add", "add", List.of("x", huge)));
    String m = refusal(o.model(8, 17));
    assertTrue(m.contains("ConstantOfShape asks for a tensor of [100000, 100000], more values than"
        + " the weights of the file"), m);
  }

  @Test
  void aCycleIsNamedNodeByNode() {
    Onnx o = new Onnx(6);
    o.input("x", -1, 2, 4, 4);
    o.node("Add", "a", List.of("x", "b:0"));
    o.node("Relu", "b", List.of("a:0"));
    o.output("b:0");
    String m = refusal(o.model(8, 17));
    assertTrue(m.contains("the graph has a cycle through node 0 (Add 'a') -> node 1 (Relu 'b')"
        + " -> node 0 (Add 'a')")
        || m.contains("the graph has a cycle through node 1 (Relu 'b') -> node 0 (Add 'a') ->"
        + " node 1 (Relu 'b')"), m);
  }

  @Test
  void aMissingWeightIsNamedWithTheNodeThatReadsIt() {
    Onnx o = new Onnx(7);
    o.input("x", -1, 2, 4, 4);
    o.output(o.node("Conv", "conv1", List.of("x", "conv1.weight")));
    String m = refusal(o.model(8, 17));
    assertTrue(m.contains("node 0 (Conv 'conv1') reads 'conv1.weight', which is neither stored"
        + " in the file nor computed by any node"), m);
  }

  @Test
  void aValueDefinedTwiceIsCorrupt() {
    Onnx o = new Onnx(8);
    o.input("x", -1, 2, 4, 4);
    o.node("Relu", "a", List.of("x"), List.of("y"));
    o.node("Relu", "b", List.of("x"), List.of("y"));
    o.output("y");
    assertTrue(refusal(o.model(8, 17)).contains("value 'y' is defined twice"));
  }

  @Test
  void versionsOutsideTheReadRangeAndHugeInputsAreRefusedWithAHint() {
    ModelProto ok = ForeignModels.zooVgg(1);
    assertTrue(refusal(ok.toBuilder().setIrVersion(2).build()).contains("IR version 2"));
    assertTrue(refusal(ok.toBuilder().setIrVersion(11).build())
        .contains("onnx.version_converter"));
    String old = refusal(ok.toBuilder().setOpsetImport(0, ok.getOpsetImport(0).toBuilder()
        .setVersion(6)).build());
    assertTrue(old.contains("operator set 6; ke-bridge reads opsets 7 to 21"), old);
    Onnx o = new Onnx(9);
    o.input("x", -1, 3, 100000, 100000);
    o.output(o.node("Relu", "r", List.of("x")));
    assertTrue(refusal(o.model(8, 17)).contains("with fixed C, H and W (at most 65536"));
    // an input that a layer also reads without the Transpose to NCHW is not channels-last:
    // that Transpose is then one of an activation, which ke-bridge cannot express
    Onnx t = new Onnx(9);
    t.input("x", -1, 8, 8, 3);
    String nchw = t.node("Transpose", "t", List.of("x"), is("perm", 0, 3, 1, 2));
    t.output(nchw).output(t.node("Relu", "r", List.of("x")));
    String m = refusal(t.model(8, 17));
    assertTrue(m.contains("Transpose transposes an activation (perm [0, 3, 1, 2])"), m);
  }

  @Test
  void weightsInAnExternalFileOrOfAnUnreadTypeAreNamed() {
    Onnx o = new Onnx(10);
    o.input("x", -1, 2, 4, 4);
    o.output(o.node("Conv", "c", List.of("x", o.weight("w", 0.5, 3, 2, 1, 1))));
    ModelProto.Builder b = o.model(8, 17).toBuilder();
    b.getGraphBuilder().getInitializerBuilder(0).clearRawData()
        .setDataLocation(TensorProto.DataLocation.EXTERNAL);
    assertTrue(refusal(b.build()).contains("tensor w keeps its data in an external file"));
    b.getGraphBuilder().getInitializerBuilder(0).setDataLocation(TensorProto.DataLocation.DEFAULT)
        .setDataType(TensorProto.DataType.STRING_VALUE).addStringData(ByteString.copyFromUtf8("a"));
    assertTrue(refusal(b.build()).contains("has data type STRING"));
  }

  @Test
  void aTruncatedOrGarbledFileIsOneClearLine() {
    byte[] whole = ForeignModels.caffe2ResNet(3, 7).toByteArray();
    for (int cut : new int[] {whole.length / 2, whole.length - 3, 40}) {
      byte[] part = java.util.Arrays.copyOf(whole, cut);
      OnnxException e = assertThrows(OnnxException.class, () -> OnnxImporter.convert(
          OnnxFiles.parse(part, "cut.onnx"), "cut.onnx"));
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
      assertTrue(e.getMessage().startsWith("cut.onnx"), e.getMessage());
    }
    byte[] garbled = whole.clone();
    for (int k = 100; k < garbled.length; k += 97) {
      garbled[k] ^= 0x5A;
    }
    try {
      OnnxImporter.convert(OnnxFiles.parse(garbled, "garbled.onnx"), "garbled.onnx");
    } catch (OnnxException e) {
      assertFalse(e.getMessage().contains("\n"), e.getMessage());
      assertTrue(e.getMessage().startsWith("garbled.onnx"), e.getMessage());
    }
  }
}
