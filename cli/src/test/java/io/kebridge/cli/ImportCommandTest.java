package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.onnx.graph.GraphBuilder;
import io.kebridge.onnx.graph.OnnxFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImportCommandTest {

  @Test
  void importChecksTheNetworkOnTensorFlowAndWritesASpecFolder(@TempDir Path dir) {
    Path run = TestRuns.write(dir.resolve("run"), "kels:0.5", null);
    Path file = dir.resolve("m.onnx");
    assertEquals(0, CliRun.of("export", run.toString(), "--out", file.toString(), "--no-verify")
        .exitCode());
    Path out = dir.resolve("imported");
    CliRun r = CliRun.of("import", file.toString(), "--out", out.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("import check"), r.out());
    assertTrue(r.out().contains("PASS"), r.out());
    RunDirectory d = RunDirectory.open(out);
    assertEquals(RunDirectory.open(run).spec(), d.spec());
    assertEquals(TestRuns.DIGITS.train().classNames(), d.card().labels());
    assertTrue(Files.isRegularFile(d.weightsFile()));
  }

  /**
   * A zoo-style classifier whose input fixes the batch to one image, with a ceil-mode average pool
   * that counts its padding (which ONNX Runtime computes by opset), a final Softmax and an
   * unused initializer (which ONNX Runtime would warn about).
   */
  private static ModelProto fixedBatchOfOne() {
    SplittableRandom r = new SplittableRandom(3);
    GraphBuilder g = new GraphBuilder("zoo");
    g.input("data", null, 1, 3, 9, 9);
    String c = g.node("Conv", "conv", List.of("data", g.initializer("conv_w",
        new int[] {4, 3, 3, 3}, random(r, 108)), g.initializer("conv_b", new int[] {4},
        random(r, 4))), List.of("c"), GraphBuilder.ints("kernel_shape", 3, 3),
        GraphBuilder.ints("pads", 1, 1, 1, 1));
    String relu = g.node("Relu", "relu", List.of(c), List.of("r"));
    String avg = g.node("AveragePool", "pool", List.of(relu), List.of("p"),
        GraphBuilder.ints("kernel_shape", 2, 2), GraphBuilder.ints("strides", 2, 2),
        GraphBuilder.attr("ceil_mode", 1L), GraphBuilder.attr("count_include_pad", 1L));
    String flat = g.node("Flatten", "flat", List.of(avg), List.of("f"));
    String fc = g.node("Gemm", "fc", List.of(flat, g.initializer("fc_w", new int[] {3, 100},
        random(r, 300)), g.initializer("fc_b", new int[] {3}, random(r, 3))), List.of("z"),
        GraphBuilder.attr("transB", 1L));
    g.initializer("unused", new int[] {2}, random(r, 2));
    g.node("Softmax", "softmax", List.of(fc), List.of("prob"), GraphBuilder.attr("axis", 1L));
    g.output("prob", null, 1, 3);
    return ModelProto.newBuilder().setIrVersion(7).setGraph(g.build())
        .addOpsetImport(OperatorSetIdProto.newBuilder().setVersion(13)).build();
  }

  private static float[] random(SplittableRandom r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) (r.nextDouble() - 0.5);
    }
    return v;
  }

  @Test
  void aFixedBatchOfOneIsCheckedImageByImageAndTheUserIsToldWhatWasAdapted(@TempDir Path dir) {
    Path file = dir.resolve("zoo.onnx");
    OnnxFiles.write(fixedBatchOfOne(), file);
    Path out = dir.resolve("imported");
    CliRun r = CliRun.of("import", file.toString(), "--out", out.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("on 8 images") && r.out().contains("PASS"), r.out());
    assertTrue(r.out().contains("note: node 2 (AveragePool 'pool') averages ceil-mode windows"),
        r.out());
    assertEquals("", r.err(), "ONNX Runtime's warnings stay off the terminal");
    assertTrue(RunDirectory.open(out).spec().layer(RunDirectory.open(out).spec().output())
        instanceof io.kebridge.models.spec.Layer.Dense);
  }

  @Test
  void anUnsupportedFileFailsWithOneLineThatGroupsItsReasonsAndWritesNothing(@TempDir Path dir) {
    ModelProto.Builder b = fixedBatchOfOne().toBuilder();
    for (int i = 0; i < b.getGraph().getNodeCount(); i++) {
      if (b.getGraph().getNode(i).getOpType().equals("Relu")) {
        b.getGraphBuilder().getNodeBuilder(i).setOpType("Elu");
      }
      if (b.getGraph().getNode(i).getOpType().equals("Conv")) {
        b.getGraphBuilder().getNodeBuilder(i).addAttribute(GraphBuilder.ints("dilations", 3, 3));
      }
    }
    Path file = dir.resolve("bad.onnx");
    OnnxFiles.write(b.build(), file);
    CliRun r = CliRun.of("import", file.toString(), "--out", dir.resolve("o").toString());
    assertEquals(1, r.exitCode());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().contains("Conv has dilations [3, 3]; only 1 is supported (node 0 'conv')"),
        r.err());
    assertTrue(r.err().contains("Elu is not supported (node 1 'relu')"), r.err());
    assertFalse(Files.exists(dir.resolve("o")));
  }

  @Test
  void aFileThatIsNotOnnxFailsWithOneClearLine(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("x.onnx");
    Files.writeString(file, "hello");
    CliRun r = CliRun.of("import", file.toString(), "--out", dir.resolve("o").toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().startsWith("ke: error: ") && r.err().contains("not an ONNX model"), r.err());
    assertFalse(Files.exists(dir.resolve("o")));
  }

  @Test
  void aNonEmptyTargetIsRefusedBeforeReading(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("keep.txt"), "x");
    CliRun r = CliRun.of("import", dir.resolve("none.onnx").toString(), "--out", dir.toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("not empty"), r.err());
  }
}
