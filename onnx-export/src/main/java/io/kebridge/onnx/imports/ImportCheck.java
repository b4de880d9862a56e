package io.kebridge.onnx.imports;

import io.kebridge.models.forward.Forward;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.parity.ParityCheck;
import io.kebridge.onnx.parity.ParityReport;
import io.kebridge.onnx.runtime.OrtForward;
import io.kebridge.onnx.runtime.OrtSettings;
import java.util.SplittableRandom;

/**
 * The import check: the original file on ONNX Runtime beside the imported network (on TensorFlow,
 * passed in by the caller) on the same images, comparing logits (the value before a final
 * softmax, not saturated probabilities). The original is fed in batches it accepts: a model whose
 * input fixes the batch (the zoo's VGG-19 takes exactly one image) runs batch by batch of that
 * size. ONNX Runtime's own warnings about the file are kept off the terminal ({@link
 * OrtForward#openQuietly}); what matters of them the importer logs.
 */
public final class ImportCheck {
  /** How many random images the check uses for an input of ordinary size. */
  public static final int IMAGES = 8;

  /** The most input values the check feeds at once, so that huge inputs take fewer images. */
  private static final long MAX_VALUES = 1L << 24;

  private ImportCheck() {}

  /**
   * Compares the imported network with its original on {@code images}.
   *
   * @param imported the imported network (its spec and weights) on some runtime
   * @throws OnnxException when the original cannot run on ONNX Runtime
   */
  public static ParityReport run(ImportedModel model, Forward imported, float[][] images,
      OrtSettings settings) {
    OriginalModel original = model.original();
    if (original == null) {
      throw new IllegalArgumentException("the model was not read from an ONNX file");
    }
    float[][] reference;
    try (OrtForward ort = OrtForward.openQuietly(original.check().toByteArray(), settings)) {
      reference = batched(ort, original.channelsLast()
          ? channelsLast(images, model.spec().input().shape()) : images, original.batch());
    }
    return ParityCheck.compare(reference, imported.logits(images),
        "the original file on ONNX Runtime");
  }

  /** Throws with the figures when the check failed. */
  public static ParityReport require(ParityReport report) {
    if (!report.passed()) {
      throw new OnnxException("the imported network does not compute what the original file"
          + " does: " + report.describe());
    }
    return report;
  }

  /**
   * The logits of {@code images}, in batches of exactly {@code batch} images where the model
   * fixes its batch (the last batch filled up with copies of its last image), else all at once.
   */
  static float[][] batched(Forward f, float[][] images, long batch) {
    if (batch <= 0) {
      return f.logits(images);
    }
    int b = (int) batch;
    float[][] out = new float[images.length][];
    for (int start = 0; start < images.length; start += b) {
      float[][] chunk = new float[b][];
      for (int i = 0; i < b; i++) {
        chunk[i] = images[Math.min(start + i, images.length - 1)];
      }
      float[][] y = f.logits(chunk);
      for (int i = 0; i < b && start + i < images.length; i++) {
        out[start + i] = y[i];
      }
    }
    return out;
  }

  /** How many images to check an input of this shape with: {@link #IMAGES}, fewer for huge ones. */
  public static int imagesFor(ActivationShape shape) {
    return (int) Math.max(1, Math.min(IMAGES, MAX_VALUES / shape.elements()));
  }

  /** NCHW images of {@code shape} as NHWC, for an original that takes channels-last images. */
  static float[][] channelsLast(float[][] images, ActivationShape shape) {
    int c = shape.channels();
    int hw = shape.height() * shape.width();
    float[][] out = new float[images.length][];
    for (int n = 0; n < images.length; n++) {
      float[] x = images[n];
      float[] y = new float[x.length];
      for (int ch = 0; ch < c; ch++) {
        for (int p = 0; p < hw; p++) {
          y[p * c + ch] = x[ch * hw + p];
        }
      }
      out[n] = y;
    }
    return out;
  }

  /** Standard-normal images: what normalised images look like, for any input shape. */
  public static float[][] randomImages(ActivationShape shape, int n, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int size = (int) shape.elements();
    float[][] x = new float[n][size];
    for (float[] im : x) {
      for (int i = 0; i < size; i++) {
        double u = 1.0 - r.nextDouble();
        im[i] = (float) (Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble()));
      }
    }
    return x;
  }
}
