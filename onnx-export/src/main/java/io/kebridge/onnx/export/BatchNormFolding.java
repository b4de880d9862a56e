package io.kebridge.onnx.export;

import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.ParamSpec;
import io.kebridge.models.weights.Tensor;
import io.kebridge.models.weights.Weights;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Folds inference-mode batch-norms into the convolutions they follow: {@code W' = W * g /
 * sqrt(var + eps)} per output channel and {@code b' = (b - mean) * g / sqrt(var + eps) + beta}. A
 * batch-norm is folded only when its convolution feeds nothing else, since the unnormalised output
 * would otherwise be lost. Arithmetic is done in double precision so that folding adds no more
 * error than the final rounding to float.
 */
public final class BatchNormFolding {
  private BatchNormFolding() {}

  /**
   * A network after folding.
   *
   * @param folded the number of batch-norms that were folded away
   */
  public record Result(NetworkSpec spec, Weights weights, int folded) {}

  /** The network with every foldable batch-norm merged into its convolution. */
  public static Result fold(NetworkSpec spec, Weights weights) {
    weights.checkMatches(spec);
    // A folded batch-norm's consumers read its conv instead; the conv takes the batch-norm's
    // parameters.
    Map<String, String> renamed = new HashMap<>();
    Map<String, Layer.BatchNorm> bnOfConv = new HashMap<>();
    for (Layer layer : spec.layers()) {
      if (layer instanceof Layer.BatchNorm bn
          && spec.layer(bn.input()) instanceof Layer.Conv2d conv
          && spec.consumers(conv.name()).size() == 1
          && !conv.name().equals(spec.output())) {
        renamed.put(bn.name(), conv.name());
        bnOfConv.put(conv.name(), bn);
      }
    }
    if (renamed.isEmpty()) {
      return new Result(spec, weights, 0);
    }
    Map<String, Tensor> replaced = new HashMap<>();
    List<Layer> layers = new ArrayList<>();
    for (Layer layer : spec.layers()) {
      if (renamed.containsKey(layer.name())) {
        continue;
      }
      Layer l = layer;
      if (layer instanceof Layer.Conv2d conv && bnOfConv.containsKey(conv.name())) {
        l = conv.withBias(true);
        foldParams(conv, bnOfConv.get(conv.name()), weights, replaced);
      }
      List<String> inputs = new ArrayList<>();
      boolean changed = false;
      for (String in : l.inputs()) {
        String to = renamed.getOrDefault(in, in);
        changed |= !to.equals(in);
        inputs.add(to);
      }
      layers.add(changed ? l.withInputs(inputs) : l);
    }
    String output = renamed.getOrDefault(spec.output(), spec.output());
    NetworkSpec folded = new NetworkSpec(spec.architecture(), layers, output);
    List<Tensor> tensors = new ArrayList<>();
    for (ParamSpec p : folded.params()) {
      Tensor t = replaced.get(p.name());
      tensors.add(t != null ? t : weights.get(p.name()));
    }
    return new Result(folded, Weights.of(tensors), renamed.size());
  }

  private static void foldParams(
      Layer.Conv2d conv, Layer.BatchNorm bn, Weights w, Map<String, Tensor> out) {
    Tensor weight = w.get(conv.name() + ".weight");
    float[] bias = conv.bias() ? w.get(conv.name() + ".bias").data() : null;
    Folded f = foldChannels(weight.data(), bias, w.get(bn.name() + ".weight").data(),
        w.get(bn.name() + ".bias").data(), w.get(bn.name() + ".running_mean").data(),
        w.get(bn.name() + ".running_var").data(), bn.epsilon());
    out.put(weight.name(), new Tensor(weight.name(), weight.shape(), f.weight()));
    String biasName = conv.name() + ".bias";
    out.put(biasName, new Tensor(biasName, new int[] {conv.outChannels()}, f.bias()));
  }

  /** A convolution's weight and bias with a batch-norm folded in. */
  public record Folded(float[] weight, float[] bias) {}

  /**
   * The arithmetic of one fold, shared by the spec-level fold above and the ONNX graph-level fold
   * of the INT8 quantiser: every output channel's weights (the leading dimension, whatever the
   * layout behind it, grouped convolutions included) and bias are scaled by {@code gamma /
   * sqrt(var + eps)}.
   *
   * @param bias the convolution's bias, or null for none
   */
  public static Folded foldChannels(float[] weight, float[] bias, float[] gamma, float[] beta,
      float[] mean, float[] var, double epsilon) {
    int outChannels = gamma.length;
    float[] dst = new float[weight.length];
    float[] newBias = new float[outChannels];
    int perOut = weight.length / outChannels;
    for (int o = 0; o < outChannels; o++) {
      double scale = gamma[o] / Math.sqrt((double) var[o] + epsilon);
      for (int i = o * perOut; i < (o + 1) * perOut; i++) {
        dst[i] = (float) (weight[i] * scale);
      }
      double b = bias == null ? 0 : bias[o];
      newBias[o] = (float) ((b - (double) mean[o]) * scale + beta[o]);
    }
    return new Folded(dst, newBias);
  }
}
