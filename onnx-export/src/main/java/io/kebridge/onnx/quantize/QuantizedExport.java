package io.kebridge.onnx.quantize;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.data.ChannelStats;
import io.kebridge.models.data.Dataset;
import io.kebridge.onnx.graph.OnnxFiles;
import io.kebridge.onnx.runtime.OrtSettings;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * INT8 export with proof, the INT8 counterpart of {@link io.kebridge.onnx.export.VerifiedExport}:
 * quantises a float model, fails unless ONNX Runtime fuses its convolutions into integer kernels,
 * fails when it loses more top-1 accuracy on the test images than allowed, and records how it was
 * made and what it kept in the model card ({@code ke.quantization.*}).
 */
public final class QuantizedExport {
  private static final Logger LOG = LoggerFactory.getLogger(QuantizedExport.class);

  private QuantizedExport() {}

  /** The INT8 model with its card, and the checks it passed. */
  public record Result(ModelProto model, Quantizer.Result quantized, FusionReport fusion,
      QuantizationReport accuracy) {}

  /**
   * Quantises and verifies.
   *
   * @param floatModel the float model (the exporter's, verified against its reference)
   * @param test labelled images (pixels in [0, 1]) the accuracy gate runs
   * @param normalization the model card's preprocessing, applied to the test images
   * @throws io.kebridge.onnx.OnnxException when a node cannot be quantised, nothing was fused or
   *     the accuracy loss is beyond {@code settings.maxAccuracyLoss()}
   */
  public static Result export(ModelProto floatModel, CalibrationSet calibration, Dataset test,
      ChannelStats normalization, QuantizationSettings settings, OrtSettings ort) {
    Objects.requireNonNull(settings, "settings");
    Quantizer.Result q = Quantizer.quantize(floatModel, calibration, settings, ort);
    FusionReport fusion = FusionCheck.verify(q.model(), ort).requireFused();
    LOG.debug("fusion: {}", fusion.describe());
    QuantizationReport accuracy =
        Int8Accuracy.measure(floatModel, q.model(), test, normalization, ort)
            .require(settings.maxAccuracyLoss(), calibration.description());
    Map<String, String> extras = new LinkedHashMap<>();
    extras.putAll(describe(q, calibration, settings));
    extras.putAll(fusion.toCardExtras());
    extras.putAll(accuracy.toCardExtras(settings.maxAccuracyLoss()));
    Map<String, String> meta = new LinkedHashMap<>();
    extras.forEach((k, v) -> meta.put(ModelCard.PREFIX + k, v));
    return new Result(OnnxFiles.withMetadata(q.model(), meta), q, fusion, accuracy);
  }

  /** How the model was quantised, as model-card extras (keys without {@code ke.}). */
  private static Map<String, String> describe(Quantizer.Result q, CalibrationSet calibration,
      QuantizationSettings settings) {
    long opset = 0;
    for (OperatorSetIdProto o : q.model().getOpsetImportList()) {
      if (o.getDomain().isEmpty()) {
        opset = o.getVersion();
      }
    }
    Map<String, String> m = new LinkedHashMap<>();
    m.put("quantization.precision", "int8");
    m.put("quantization.format", "QDQ, opset " + opset);
    m.put("quantization.weights", "int8 symmetric" + (settings.reduceRange()
        ? " in 7 bits [-63, 63]" : "") + ", " + (settings.perChannel() ? "per output channel"
        : "per tensor"));
    m.put("quantization.per_channel", Boolean.toString(settings.perChannel()));
    m.put("quantization.reduce_range", Boolean.toString(settings.reduceRange()));
    m.put("quantization.activations", "uint8 asymmetric, zero exact");
    m.put("quantization.bias", "int32, scale input_scale * weight_scale");
    m.put("quantization.method", settings.method().describe());
    m.put("quantization.calibration_images", Integer.toString(calibration.size()));
    m.put("quantization.calibration", calibration.description());
    m.put("quantization.folded_batchnorms", Integer.toString(q.foldedBatchNorms()));
    if (!q.floatNodes().isEmpty()) {
      m.put("quantization.float_nodes", String.join(", ", q.floatNodes()));
    }
    return m;
  }
}
