package io.kebridge.onnx.quantize;

import io.kebridge.onnx.OnnxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What ONNX Runtime made of a QDQ model: per operator of the QDQ graph, how many of its nodes ran
 * as integer kernels in the optimised graph, which float operators remain, and how many
 * QuantizeLinear and DequantizeLinear nodes were left standing (the model's input Q is expected).
 *
 * @param fused one line per operator the QDQ graph contains
 * @param floatOps operators of the optimised graph that compute in float, with their counts
 */
public record FusionReport(List<Fused> fused, Map<String, Integer> floatOps, int quantizeLeft,
    int dequantizeLeft) {

  public FusionReport {
    fused = List.copyOf(fused);
    floatOps = Map.copyOf(new LinkedHashMap<>(floatOps));
  }

  /**
   * One operator of the QDQ graph.
   *
   * @param op the operator in the QDQ graph ({@code Conv})
   * @param into what ONNX Runtime runs it as ({@code QLinearConv}), or {@code "8-bit"} for a node
   *     that runs unchanged on 8-bit values (max-pool, flatten)
   * @param count how many of them became {@code into}
   * @param total how many the QDQ graph has
   */
  public record Fused(String op, String into, int count, int total) {
    /** {@code Conv 20/20 -> QLinearConv}. */
    public String describe() {
      return op + " " + count + "/" + total + (into.equals("8-bit") ? " on 8-bit" : " -> " + into);
    }
  }

  /** The line for {@code op}, or null when the QDQ graph has none. */
  public Fused of(String op) {
    for (Fused f : fused) {
      if (f.op().equals(op)) {
        return f;
      }
    }
    return null;
  }

  /** Nodes of the QDQ graph that run as integer kernels or on 8-bit values. */
  public int fusedCount() {
    return fused.stream().mapToInt(Fused::count).sum();
  }

  /**
   * Fails when ONNX Runtime fused none of the model's convolutions (or, without convolutions,
   * nothing at all): the file would run in float at INT8's accuracy, with no gain.
   */
  public FusionReport requireFused() {
    Fused conv = of("Conv");
    if (conv != null ? conv.count() == 0 : fusedCount() == 0) {
      throw new OnnxException("ONNX Runtime fused no " + (conv != null ? "convolution" : "node")
          + " of the INT8 model into an integer kernel (" + describe() + "); the model would run"
          + " in float. Check that this ONNX Runtime build has the CPU provider's QDQ fusions");
    }
    return this;
  }

  /** One line: the fusions, the float operators and the Q/DQ nodes left. */
  public String describe() {
    return fusedText() + "; float ops left: " + floatText() + "; QuantizeLinear " + quantizeLeft
        + ", DequantizeLinear " + dequantizeLeft + " left";
  }

  /** The figures as model-card extras (keys without the {@code ke.} prefix). */
  public Map<String, String> toCardExtras() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("quantization.fused", fusedText());
    m.put("quantization.float_ops", floatText());
    return m;
  }

  private String fusedText() {
    List<String> parts = new ArrayList<>();
    for (Fused f : fused) {
      parts.add(f.describe());
    }
    return String.join(", ", parts);
  }

  private String floatText() {
    List<String> floats = new ArrayList<>();
    floatOps.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> floats.add(e.getKey() + " " + e.getValue()));
    return floats.isEmpty() ? "none" : String.join(", ", floats);
  }
}
