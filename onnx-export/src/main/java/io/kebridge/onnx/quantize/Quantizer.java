package io.kebridge.onnx.quantize;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.kebridge.onnx.runtime.OrtSettings;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a float ONNX model into an INT8 QDQ model for ONNX Runtime: batch-norms folded into their
 * convolutions, every node checked (those that cannot be quantised are refused by name), activation
 * ranges measured on ONNX Runtime over the calibration images, then int8 weights, int32 biases and
 * uint8 activations written around the nodes. The model keeps its float32 input and outputs, opset
 * and metadata, so whatever serves the float model serves this one unchanged.
 */
public final class Quantizer {
  private static final Logger LOG = LoggerFactory.getLogger(Quantizer.class);

  private Quantizer() {}

  /**
   * A quantised model and what was done to make it.
   *
   * @param foldedBatchNorms batch-norms folded into the convolution before them
   * @param activations the scale and zero point of every 8-bit value, by value name
   * @param floatNodes nodes left in float between a DQ and a Q (a batch-norm with no conv before)
   */
  public record Result(ModelProto model, int foldedBatchNorms, Map<String, QuantParams> activations,
      List<String> floatNodes) {
    public Result {
      activations = Map.copyOf(activations);
      floatNodes = List.copyOf(floatNodes);
    }
  }

  /**
   * Quantises {@code model}.
   *
   * @param calibration images in the model's input shape, normalised as the model expects
   * @param ort how calibration sessions run
   * @throws io.kebridge.onnx.OnnxException naming every node that cannot be quantised, or when
   *     calibration fails
   */
  public static Result quantize(ModelProto model, CalibrationSet calibration,
      QuantizationSettings settings, OrtSettings ort) {
    Objects.requireNonNull(calibration, "calibration");
    ConvBatchNormFolding.Result folded = ConvBatchNormFolding.fold(model);
    QdqPlan plan = QdqPlan.of(folded.model());
    Map<String, TensorRange> ranges = Calibrator.ranges(folded.model(), plan.calibrated(),
        calibration, settings.method(), ort);
    Map<String, QuantParams> params = new LinkedHashMap<>();
    for (Map.Entry<String, TensorRange> e : ranges.entrySet()) {
      TensorRange r = e.getValue();
      float[] clip = plan.clipBounds(e.getKey());
      params.put(e.getKey(), QuantParams.uint8(clip == null ? r : r.clip(clip[0], clip[1])));
    }
    ModelProto qdq = QdqWriter.write(folded.model(), plan, params, settings);
    Map<String, QuantParams> all = new LinkedHashMap<>();
    for (String v : plan.quantized()) {
      all.put(v, params.get(plan.scaleSource(v)));
    }
    LOG.debug("quantised {} values ({} calibrated on {} images, {}), folded {} batch-norms",
        all.size(), params.size(), calibration.size(), settings.method().describe(),
        folded.folded());
    return new Result(qdq, folded.folded(), all, plan.floatNodes());
  }

  /**
   * Checks that every node of {@code model} can be quantised, without calibrating: what a caller
   * runs before loading calibration data.
   *
   * @throws io.kebridge.onnx.OnnxException naming every node that cannot be quantised
   */
  public static void checkSupported(ModelProto model) {
    QdqPlan.of(ConvBatchNormFolding.fold(model).model());
  }
}
