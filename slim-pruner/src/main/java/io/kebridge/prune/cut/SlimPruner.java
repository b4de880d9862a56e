package io.kebridge.prune.cut;

import io.kebridge.models.ModelException;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.ChannelPlan;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.split.LlfPlan;
import io.kebridge.models.split.SplitPlan;
import io.kebridge.models.split.WelsPlan;
import io.kebridge.models.weights.Weights;
import io.kebridge.prune.PruneException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cuts the fit hypothesis of a KE network out as a physically smaller network: plan first
 * ({@link #plan}: the channel groups and kept channels of {@code models}' {@link ChannelPlan}, the
 * same decision KE's masks come from), cut second ({@link #cut}: every tensor sliced by its kept
 * indices). Conv weights {@code [out, in/groups, kh, kw]} lose output and input channels (a
 * depthwise filter only output channels), batch-norm parameters and statistics and conv biases
 * follow their channels, dense weights lose input features (and output features unless they are
 * the network output); a concatenation is sliced chunk by chunk.
 */
public final class SlimPruner {
  private static final Logger LOG = LoggerFactory.getLogger(SlimPruner.class);

  private SlimPruner() {}

  /**
   * The KELS plan of {@code spec}: every prunable channel group keeps its first {@code ceil(s*c)}
   * channels.
   *
   * @throws PruneException for a split without a slim network (WELS, LLF), a network the pruner
   *     cannot group, or one whose slim network would not compute the fit hypothesis (a local
   *     response normalisation reading channels the cut drops)
   */
  public static ChannelPlan plan(NetworkSpec spec, SplitPlan split) {
    if (!(split instanceof KelsPlan kels)) {
      throw new PruneException("split " + split.describe() + " has no slim network: only the "
          + "kernel-level split (kels:S) keeps a dense sub-network that can be cut out"
          + (split instanceof WelsPlan
              ? " (WELS picks single weights, not channels)"
              : split instanceof LlfPlan ? " (LLF resets whole layers, it does not narrow them)"
                  : ""));
    }
    ChannelPlan plan;
    try {
      plan = kels.channels(spec);
    } catch (ModelException e) {
      throw new PruneException("cannot plan the cut of " + spec.architecture() + ": "
          + e.getMessage(), e);
    }
    checkCut(plan);
    return plan;
  }

  /** Plans the KELS cut of {@code split} and cuts {@code weights} with it. */
  public static SlimNetwork prune(NetworkSpec spec, Weights weights, SplitPlan split) {
    return cut(weights, plan(spec, split));
  }

  /**
   * Slices every tensor of {@code weights} by the plan's kept indices.
   *
   * @throws PruneException when the weights do not match the plan's network, or the slim network
   *     would not compute the fit hypothesis ({@link ChannelPlan#slimProblem})
   */
  public static SlimNetwork cut(Weights weights, ChannelPlan plan) {
    NetworkSpec spec = plan.spec();
    checkWeights(spec, weights);
    checkCut(plan);
    NetworkSpec slimSpec = plan.slimSpec();
    Weights slim = plan.cut(weights);
    try {
      slim.checkMatches(slimSpec);
    } catch (ModelException e) {
      throw new PruneException("internal error: cut weights do not fit the slim spec: "
          + e.getMessage(), e);
    }
    LOG.debug("cut {} to {}: {}", spec.architecture(), slimSpec.architecture(), plan);
    return new SlimNetwork(slimSpec, slim, plan);
  }

  private static void checkCut(ChannelPlan plan) {
    plan.slimProblem().ifPresent(why -> {
      throw new PruneException("cannot cut the slim network out of " + plan.spec().architecture()
          + ": " + why);
    });
  }

  static void checkWeights(NetworkSpec spec, Weights weights) {
    try {
      weights.checkMatches(spec);
    } catch (ModelException e) {
      throw new PruneException(e.getMessage(), e);
    }
  }
}
