package io.kebridge.onnx.quantize;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.runtime.OrtForward;
import io.kebridge.onnx.runtime.OrtSettings;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Measures activation ranges on ONNX Runtime: a copy of the float graph lists every value to
 * calibrate as an extra output, the calibration images run through it in batches, and each
 * value's min and max (and, for the percentile and entropy methods, a second pass's histogram)
 * are kept. Nothing depends on batch order, so the same images give the same ranges.
 */
final class Calibrator {
  /** Images per calibration batch: every intermediate value of a batch is held at once. */
  static final int BATCH = 8;

  /** The fewest steps the entropy method gives one sign of a tensor. */
  static final int MIN_LEVELS = 16;

  private Calibrator() {}

  /**
   * The range of each value in {@code values} (the graph input among them, measured on the images
   * themselves).
   */
  static Map<String, TensorRange> ranges(ModelProto model, List<String> values,
      CalibrationSet images, CalibrationMethod method, OrtSettings ort) {
    String input = new GraphIndex(model.getGraph()).inputs().get(0).getName();
    Set<String> outputs = new LinkedHashSet<>(values);
    outputs.remove(input);
    float[][] x = images.images();
    Map<String, float[]> minMax = new HashMap<>();
    try (OrtForward f = OrtForward.open(withOutputs(model, outputs), ort)) {
      forEachBatch(f, x, outputs, (name, v) -> {
        float[] m = minMax.computeIfAbsent(name,
            k -> new float[] {Float.MAX_VALUE, -Float.MAX_VALUE, 0}); // min, max, non-finite
        for (int i = v.position(); i < v.limit(); i++) {
          float a = v.get(i);
          if (!Float.isFinite(a)) {
            m[2]++;
          } else {
            m[0] = Math.min(m[0], a);
            m[1] = Math.max(m[1], a);
          }
        }
      }, values.contains(input) ? input : null);
      Map<String, TensorRange> ranges = new LinkedHashMap<>();
      for (String v : values) {
        float[] m = minMax.get(v);
        if (m[2] > 0) {
          throw new OnnxException("calibration: the float model gives " + (long) m[2]
              + " infinite or NaN values in " + v + " on the calibration images; check the"
              + " weights and the images' normalisation");
        }
        ranges.put(v, new TensorRange(m[0], m[1]));
      }
      if (method instanceof CalibrationMethod.MinMax) {
        return ranges;
      }
      // the image input keeps its measured range: pixels are bounded, and cutting the brightest
      // or darkest of them only loses information
      List<String> clipped = new ArrayList<>(values);
      clipped.remove(input);
      Map<String, Histogram[]> histograms = new HashMap<>();
      for (String v : clipped) {
        histograms.put(v, histograms(ranges.get(v), method));
      }
      forEachBatch(f, x, outputs, (name, v) -> {
        for (Histogram h : histograms.get(name)) {
          h.add(v);
        }
      }, null);
      for (String v : clipped) {
        ranges.put(v, clipped(ranges.get(v), histograms.get(v), method));
      }
      return ranges;
    }
  }

  /**
   * The histograms a method reads: the values themselves for a percentile; for entropy, each sign
   * on its own, since an 8-bit asymmetric grid gives each side its own extent.
   */
  private static Histogram[] histograms(TensorRange r, CalibrationMethod method) {
    if (method instanceof CalibrationMethod.Percentile) {
      return new Histogram[] {new Histogram(Math.min(r.min(), 0), Math.max(r.max(), 0),
          Histogram.Side.ALL)};
    }
    return new Histogram[] {new Histogram(0, Math.max(r.max(), 0), Histogram.Side.POSITIVE),
        new Histogram(0, Math.max(-r.min(), 0), Histogram.Side.NEGATIVE)};
  }

  /** The range the method keeps of the measured {@code full} range. */
  private static TensorRange clipped(TensorRange full, Histogram[] h, CalibrationMethod method) {
    float lo;
    float hi;
    if (method instanceof CalibrationMethod.Percentile p) {
      double q = p.percentile() / 100;
      lo = full.min() < 0 ? (float) h[0].quantile(1 - q) : 0f;
      hi = full.max() > 0 ? (float) h[0].quantile(q) : 0f;
    } else {
      // entropy: the 255 steps shared by the two signs in proportion to their extents
      double up = Math.max(full.max(), 0);
      double down = Math.max(-full.min(), 0);
      int levelsUp = (int) Math.round(255 * up / (up + down));
      hi = up > 0 ? (float) h[0].entropyThreshold(Math.max(MIN_LEVELS, levelsUp)) : 0f;
      lo = down > 0 ? -(float) h[1].entropyThreshold(Math.max(MIN_LEVELS, 255 - levelsUp)) : 0f;
    }
    // never wider than what was measured
    float a = Math.max(Math.min(lo, 0f), full.min());
    float b = Math.max(Math.min(hi, full.max()), a);
    return new TensorRange(full.min() >= 0 ? full.min() : a, b);
  }

  private interface Sink {
    void accept(String name, FloatBuffer values);
  }

  /** Runs every batch, handing {@code sink} each output and the input itself (unless null). */
  private static void forEachBatch(OrtForward f, float[][] images, Set<String> outputs, Sink sink,
      String input) {
    for (int start = 0; start < images.length; start += BATCH) {
      int n = Math.min(BATCH, images.length - start);
      FloatBuffer in = f.inputBuffer(n);
      for (int i = start; i < start + n; i++) {
        in.put(images[i]);
      }
      in.rewind();
      if (input != null) {
        sink.accept(input, in.duplicate());
      }
      if (!outputs.isEmpty()) {
        f.runOutputs(in, n, outputs, sink::accept);
      }
    }
  }

  /** A copy of the model that also outputs every value in {@code values} (float32). */
  static ModelProto withOutputs(ModelProto model, Set<String> values) {
    GraphProto.Builder g = model.getGraph().toBuilder();
    Set<String> existing = new LinkedHashSet<>();
    for (ValueInfoProto o : g.getOutputList()) {
      existing.add(o.getName());
    }
    for (String v : values) {
      if (existing.add(v)) {
        g.addOutput(ValueInfoProto.newBuilder().setName(v).setType(TypeProto.newBuilder()
            .setTensorType(TypeProto.Tensor.newBuilder()
                .setElemType(TensorProto.DataType.FLOAT_VALUE))));
      }
    }
    return model.toBuilder().setGraph(g).build();
  }
}
