package io.kebridge.prune.cut;

import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.ParamKind;
import io.kebridge.models.spec.ParamSpec;
import io.kebridge.models.split.ChannelPlan;
import io.kebridge.models.split.Mask;
import io.kebridge.models.weights.Tensor;
import io.kebridge.models.weights.Weights;
import java.util.Map;

/**
 * The dense network with only its fit hypothesis left: every reset-hypothesis conv and dense weight
 * zeroed (mask 0) and every reset channel's batch-norm output zeroed (gamma = beta = 0 on those
 * channels). Its logits equal the slim network's, which is how a cut is checked without trusting
 * the cut.
 */
public final class MaskedDense {
  private MaskedDense() {}

  /** The masked copy of {@code weights} (the dense shapes are unchanged). */
  public static Weights of(Weights weights, ChannelPlan plan) {
    NetworkSpec spec = plan.spec();
    SlimPruner.checkWeights(spec, weights);
    Weights out = weights;
    for (Map.Entry<String, Mask> e : plan.masks().entrySet()) {
      Tensor t = weights.get(e.getKey());
      float[] v = t.data().clone();
      Mask m = e.getValue();
      for (int i = 0; i < v.length; i++) {
        if (!m.isFit(i)) {
          v[i] = 0f;
        }
      }
      out = out.with(new Tensor(t.name(), t.shape(), v));
    }
    for (ParamSpec p : spec.params()) {
      if (p.kind() != ParamKind.BN_GAMMA && p.kind() != ParamKind.BN_BETA) {
        continue;
      }
      boolean[] keep = new boolean[p.shape()[0]];
      for (int c : plan.keptIndices(p.name())[0]) {
        keep[c] = true;
      }
      Tensor t = weights.get(p.name());
      float[] v = t.data().clone();
      for (int c = 0; c < v.length; c++) {
        if (!keep[c]) {
          v[c] = 0f;
        }
      }
      out = out.with(new Tensor(p.name(), t.shape(), v));
    }
    return out;
  }
}
