package io.kebridge.onnx.imports;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.graph.OnnxFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The image size of a file that leaves it open ({@code ke import --input CxHxW}): torch.onnx
 * exports with dynamic height and width, tf2onnx's {@code [?, ?, ?, 3]}. The open dimensions of
 * the image input are set before the import, so that the importer, the import check on ONNX
 * Runtime and the card all see one size; dimensions the file fixes must agree.
 */
public final class InputShapes {
  private InputShapes() {}

  /**
   * Reads and converts {@code file} (external data as {@link OnnxImporter#read} does) with its
   * image input set to {@code input}.
   */
  public static ImportedModel read(Path file, ActivationShape input) {
    Path folder = file.toAbsolutePath().getParent();
    ModelProto m = ExternalData.inline(OnnxFiles.read(file), folder, file.toString());
    return OnnxImporter.convert(withInput(m, input, file.toString()), file.toString());
  }

  /**
   * {@code model} whose image input (its one graph input that is not an initializer) has the
   * channels, height and width of {@code input}: NCHW, or NHWC where only transposes to NCHW read
   * it, the batch left as it is.
   *
   * @throws OnnxException when the input is not of rank 4 (or has no shape) or fixes another size
   */
  static ModelProto withInput(ModelProto model, ActivationShape input, String source) {
    GraphProto graph = model.getGraph();
    Set<String> weights = new HashSet<>();
    for (TensorProto t : graph.getInitializerList()) {
      weights.add(t.getName());
    }
    int index = -1;
    for (int i = 0; i < graph.getInputCount(); i++) {
      if (!weights.contains(graph.getInput(i).getName())) {
        if (index >= 0) {
          throw new OnnxException(source + ": --input sets the image input, but the graph has"
              + " several inputs (" + graph.getInput(index).getName() + ", "
              + graph.getInput(i).getName() + ")");
        }
        index = i;
      }
    }
    if (index < 0) {
      throw new OnnxException(source + ": the graph has no input besides its weights");
    }
    ValueInfoProto in = graph.getInput(index);
    TensorShapeProto shape = in.getType().getTensorType().getShape();
    int rank = shape.getDimCount();
    if (rank != 4 && rank != 0) {
      throw new OnnxException(source + ": input " + in.getName() + " has rank " + rank
          + "; --input sets the C, H and W of a [batch, C, H, W] image input");
    }
    boolean nhwc = rank == 4 && channelsLast(graph, in.getName(), shape, input.channels());
    long[] wanted = nhwc
        ? new long[] {input.height(), input.width(), input.channels()}
        : new long[] {input.channels(), input.height(), input.width()};
    TensorShapeProto.Builder fixed = TensorShapeProto.newBuilder();
    fixed.addDim(rank == 4 ? shape.getDim(0)
        : TensorShapeProto.Dimension.newBuilder().setDimParam("batch").build());
    List<String> found = new ArrayList<>();
    boolean disagrees = false;
    for (int i = 1; i < 4; i++) {
      TensorShapeProto.Dimension d = rank == 4 ? shape.getDim(i) : null;
      if (d != null && d.hasDimValue()) {
        found.add(Long.toString(d.getDimValue()));
        disagrees |= d.getDimValue() != wanted[i - 1];
      } else {
        found.add(d == null || d.getDimParam().isEmpty() ? "?" : d.getDimParam());
      }
      fixed.addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(wanted[i - 1]));
    }
    if (disagrees) {
      throw new OnnxException(source + ": input " + in.getName() + " is fixed at "
          + (nhwc ? "[batch, H, W, C] " : "[batch, C, H, W] ") + found + "; --input " + input
          + " can only set the dimensions the file leaves open");
    }
    ValueInfoProto.Builder v = in.toBuilder();
    v.getTypeBuilder().getTensorTypeBuilder().setShape(fixed);
    ModelProto.Builder b = model.toBuilder();
    b.getGraphBuilder().setInput(index, v);
    return b.build();
  }

  /**
   * True for a channels-last input: its last dimension fixed at {@code channels} while the second
   * is not, or every reader a Transpose to NCHW (tf2onnx's Keras models).
   */
  private static boolean channelsLast(GraphProto graph, String input, TensorShapeProto shape,
      int channels) {
    TensorShapeProto.Dimension second = shape.getDim(1);
    TensorShapeProto.Dimension last = shape.getDim(3);
    if (second.hasDimValue() && second.getDimValue() == channels) {
      return false;
    }
    if (last.hasDimValue() && last.getDimValue() == channels && !second.hasDimValue()) {
      return true;
    }
    int readers = 0;
    for (NodeProto n : graph.getNodeList()) {
      if (!n.getInputList().contains(input)) {
        continue;
      }
      readers++;
      boolean toNchw = n.getOpType().equals("Transpose") && n.getAttributeList().stream()
          .anyMatch(a -> a.getName().equals("perm")
              && a.getIntsList().equals(List.of(0L, 3L, 1L, 2L)));
      if (!toNchw) {
        return false;
      }
    }
    return readers > 0;
  }
}
