package io.kebridge.onnx.export;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.forward.Forward;
import io.kebridge.models.forward.ForwardFactory;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.Weights;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.graph.OnnxFiles;
import io.kebridge.onnx.parity.ParityCheck;
import io.kebridge.onnx.parity.ParityReport;
import io.kebridge.onnx.runtime.OrtForward;
import io.kebridge.onnx.runtime.OrtSettings;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Export with proof: builds the ONNX model, runs a fixed batch of images through a reference
 * network (the TensorFlow graph, passed in so this module stays free of TensorFlow) and through
 * ONNX Runtime, fails when they disagree, and records the figures in the model's metadata. It also
 * runs the first image alone, so a model whose batch dimension is not really dynamic fails here.
 */
public final class VerifiedExport {
  private static final Logger LOG = LoggerFactory.getLogger(VerifiedExport.class);

  private VerifiedExport() {}

  /**
   * An exported model and the parity figures written into it.
   *
   * @param parity null when the export was not verified
   */
  public record Result(ModelProto model, ParityReport parity) {}

  /**
   * Exports and verifies.
   *
   * @param reference opens the reference network (for example {@code TfForward::open})
   * @param referenceName what to call it in the report ({@code tensorflow})
   * @param images normalised images in the network's input shape
   * @throws OnnxException with the figures when the parity check fails
   */
  public static Result export(
      NetworkSpec spec,
      Weights weights,
      ModelCard card,
      ExportOptions options,
      ForwardFactory reference,
      String referenceName,
      float[][] images,
      OrtSettings settings) {
    Objects.requireNonNull(reference, "reference");
    ModelProto model = OnnxExporter.export(spec, weights, card, options);
    ParityReport report;
    try (Forward ref = reference.open(spec, weights);
        OrtForward ort = OrtForward.open(model, settings)) {
      float[][] expected = ref.logits(images);
      float[][] got = ort.logits(images);
      report = ParityCheck.compare(expected, got, referenceName);
      LOG.debug("{}", report.describe());
      ParityCheck.require(report);
      float[][] single = ort.logits(new float[][] {images[0]});
      ParityReport alone = ParityCheck.compare(new float[][] {got[0]}, single, "batch " + images.length);
      if (!alone.passed()) {
        throw new OnnxException(
            "the exported model gives other logits for an image alone than in a batch of "
                + images.length + ": " + Arrays.toString(single[0]) + " vs "
                + Arrays.toString(got[0]));
      }
    }
    ModelCard stamped = card;
    for (Map.Entry<String, String> e : report.toCardExtras().entrySet()) {
      stamped = stamped.withExtra(e.getKey(), e.getValue());
    }
    Map<String, String> meta = stamped.toMetadata();
    return new Result(OnnxFiles.withMetadata(model, meta), report);
  }
}
