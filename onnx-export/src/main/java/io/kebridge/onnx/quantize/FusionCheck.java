package io.kebridge.onnx.quantize;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtLoggingLevel;
import ai.onnxruntime.OrtSession;
import io.kebridge.models.io.Folders;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.graph.OnnxFiles;
import io.kebridge.onnx.runtime.OrtSettings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads a QDQ model into ONNX Runtime with the settings it will be served with, has ONNX Runtime
 * write the graph it optimised ({@code SessionOptions.setOptimizedModelFilePath}) and counts in it
 * what became integer kernels. Which values are 8-bit in the optimised graph is followed from the
 * QuantizeLinear and QLinear nodes through the operators that keep their input's type.
 */
public final class FusionCheck {
  /** The integer operator ONNX Runtime fuses each QDQ group into. */
  static final Map<String, String> FUSED_INTO = Map.of(
      "Conv", "QLinearConv",
      "Gemm", "QGemm",
      "Add", "QLinearAdd",
      "GlobalAveragePool", "QLinearGlobalAveragePool",
      "AveragePool", "QLinearAveragePool",
      "Concat", "QLinearConcat");

  /** Operators that run on 8-bit values as they are when their input is 8-bit. */
  static final Set<String> TYPE_PRESERVING = Set.of("MaxPool", "Flatten", "Reshape", "Transpose",
      "Identity", "Squeeze", "Unsqueeze", "Dropout");

  /** The order of the report's lines. */
  private static final List<String> ORDER = List.of("Conv", "Gemm", "Add", "Concat", "MaxPool",
      "AveragePool", "GlobalAveragePool", "Flatten", "Reshape");

  private FusionCheck() {}

  /** Optimises {@code qdq} on ONNX Runtime and reports what it fused. */
  public static FusionReport verify(ModelProto qdq, OrtSettings settings) {
    return compare(qdq, optimized(qdq, settings));
  }

  /** The graph ONNX Runtime runs for {@code model} under {@code settings}. */
  static ModelProto optimized(ModelProto model, OrtSettings settings) {
    Path dir;
    try {
      dir = Files.createTempDirectory("ke-int8-fusion");
    } catch (IOException e) {
      throw new OnnxException("cannot create a temporary folder for the fusion check: "
          + e.getMessage(), e);
    }
    try {
      Path file = dir.resolve("optimized.onnx");
      OrtEnvironment env = OrtEnvironment.getEnvironment();
      try (OrtSession.SessionOptions o = settings.toSessionOptions()) {
        o.setOptimizedModelFilePath(file.toString());
        // ONNX Runtime warns that an optimised graph is specific to this CPU: known, and wanted
        o.setSessionLogLevel(OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR);
        try (OrtSession s = env.createSession(model.toByteArray(), o)) {
          // creating the session optimises the graph and writes it
        }
      } catch (OrtException e) {
        throw new OnnxException("ONNX Runtime cannot load the INT8 model: " + e.getMessage(), e);
      }
      return OnnxFiles.read(file);
    } finally {
      try {
        Folders.deleteTree(dir);
      } catch (IOException e) {
        // a temporary file left behind is no reason to fail the check
      }
    }
  }

  /** Counts, per operator of {@code qdq}, what it became in {@code optimized}. */
  static FusionReport compare(ModelProto qdq, ModelProto optimized) {
    Map<String, Integer> before = new LinkedHashMap<>();
    for (NodeProto n : qdq.getGraph().getNodeList()) {
      before.merge(n.getOpType(), 1, Integer::sum);
    }
    Map<String, Integer> after = new LinkedHashMap<>();
    Map<String, Integer> onInts = new LinkedHashMap<>();
    Map<String, Integer> floatOps = new LinkedHashMap<>();
    Set<String> ints = new HashSet<>();
    for (TensorProto t : optimized.getGraph().getInitializerList()) {
      if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE) {
        ints.add(t.getName());
      }
    }
    int q = 0;
    int dq = 0;
    for (NodeProto n : optimized.getGraph().getNodeList()) {
      // the x86 layout pass turns some 8-bit kernels into channels-last ones (NhwcMaxPool)
      String op = n.getOpType().startsWith("Nhwc") ? n.getOpType().substring(4) : n.getOpType();
      after.merge(op, 1, Integer::sum);
      boolean integerKernel = op.startsWith("QLinear") || op.equals("QGemm")
          || op.endsWith("Integer") || op.endsWith("IntegerToFloat");
      boolean intOut;
      if (op.equals("QuantizeLinear")) {
        q++;
        intOut = true;
      } else if (op.equals("DequantizeLinear")) {
        dq++;
        intOut = false;
      } else if (op.equals("QGemm")) {
        intOut = n.getInputCount() > 7 && !n.getInput(7).isEmpty(); // y_scale: 8-bit output
      } else if (integerKernel) {
        intOut = !op.endsWith("ToFloat");
      } else if (TYPE_PRESERVING.contains(op)) {
        intOut = n.getInputCount() > 0 && ints.contains(n.getInput(0));
        if (intOut) {
          onInts.merge(op, 1, Integer::sum);
        }
      } else {
        intOut = false;
      }
      if (intOut) {
        ints.addAll(n.getOutputList());
      } else if (!integerKernel && !op.equals("DequantizeLinear")) {
        floatOps.merge(op, 1, Integer::sum);
      }
    }
    List<FusionReport.Fused> fused = new ArrayList<>();
    for (String op : ORDER) {
      int total = before.getOrDefault(op, 0);
      if (total == 0) {
        continue;
      }
      String into = FUSED_INTO.get(op);
      int count = into != null ? after.getOrDefault(into, 0) : onInts.getOrDefault(op, 0);
      fused.add(new FusionReport.Fused(op, into != null ? into : "8-bit", Math.min(count, total),
          total));
    }
    return new FusionReport(fused, floatOps, q, dq);
  }
}
