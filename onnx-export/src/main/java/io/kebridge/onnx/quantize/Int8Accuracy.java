package io.kebridge.onnx.quantize;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.kebridge.models.data.ChannelStats;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.forward.Forward;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.runtime.OrtForward;
import io.kebridge.onnx.runtime.OrtSettings;

/**
 * Runs a float model and its INT8 model on the same labelled images on ONNX Runtime and compares
 * them: each one's top-1 accuracy, how often they agree, how far their logits are apart. Images
 * are normalised one batch at a time, so a large test set costs no second copy.
 */
public final class Int8Accuracy {
  /** Images per batch. */
  static final int BATCH = 64;

  private Int8Accuracy() {}

  /** Compares the two models on every image of {@code test}. */
  public static QuantizationReport measure(ModelProto floatModel, ModelProto int8Model,
      Dataset test, ChannelStats normalization, OrtSettings ort) {
    if (test.size() == 0) {
      throw new OnnxException("the INT8 accuracy check needs test images; " + test.name()
          + " has none");
    }
    int correctFloat = 0;
    int correctInt8 = 0;
    int agree = 0;
    double maxAbs = 0;
    double scale = 0;
    try (OrtForward f = OrtForward.open(floatModel, ort);
        OrtForward q = OrtForward.open(int8Model, ort)) {
      for (int start = 0; start < test.size(); start += BATCH) {
        int n = Math.min(BATCH, test.size() - start);
        float[][] x = new float[n][];
        for (int i = 0; i < n; i++) {
          x[i] = normalization.normalize(test.image(start + i));
        }
        float[][] a = f.logits(x);
        float[][] b = q.logits(x);
        for (int i = 0; i < n; i++) {
          int label = test.label(start + i);
          int ta = Forward.top1(a[i]);
          int tb = Forward.top1(b[i]);
          correctFloat += ta == label ? 1 : 0;
          correctInt8 += tb == label ? 1 : 0;
          agree += ta == tb ? 1 : 0;
          for (int j = 0; j < a[i].length; j++) {
            double d = Math.abs((double) a[i][j] - b[i][j]);
            maxAbs = Math.max(maxAbs, d == d ? d : Double.POSITIVE_INFINITY);
            scale = Math.max(scale, Math.abs(a[i][j]));
          }
        }
      }
    }
    double rel = maxAbs == 0 ? 0 : maxAbs / Math.max(scale, Double.MIN_NORMAL);
    return new QuantizationReport(test.size(), correctFloat, correctInt8, agree, maxAbs, rel);
  }
}
