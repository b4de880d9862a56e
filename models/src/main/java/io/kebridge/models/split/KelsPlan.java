package io.kebridge.models.split;

import io.kebridge.models.ModelException;
import io.kebridge.models.spec.NetworkSpec;
import java.util.Map;

/**
 * The kernel-level split (KELS) of the KE reference: every channel group of the network ({@link
 * ChannelGroups}) keeps its first {@code ceil(s*c)} channels as the fit hypothesis. A conv weight
 * {@code [out, in, kh, kw]} is fit where its output channel and its input channel are both kept;
 * the network input keeps every channel, and the classifier (the output layer) keeps every class.
 * Widths follow graph position: they flow from the producing layer through batch-norm, activations,
 * pooling and residual adds. A layer that reads a concatenation keeps the first {@code ceil(s*c_i)}
 * channels of every concatenated chunk {@code i} (the reference's {@code in_channels_order}), a
 * depthwise convolution keeps the channels its input keeps, and a grouped convolution keeps its
 * group count with the first {@code ceil(s*c)} channels of each group. The fit part is a dense,
 * smaller network with the same topology: {@link #slimSpec}.
 *
 * <p>{@code ceil} is taken after subtracting 1e-9, so that a rate such as 0.3 of 10 channels gives
 * 3 rather than the 4 that floating-point rounding of 0.3*10 would give.
 */
public record KelsPlan(double rate) implements SplitPlan {
  public KelsPlan {
    SplitPlan.checkRate(rate);
  }

  /** The fit width of a layer with {@code channels} channels: {@code ceil(rate*channels)}. */
  public int fitWidth(int channels) {
    int w = (int) Math.ceil(rate * channels - 1e-9);
    return Math.max(1, Math.min(channels, w));
  }

  @Override
  public String describe() {
    return "kels:" + rate;
  }

  @Override
  public boolean hasSlimNetwork() {
    return true;
  }

  @Override
  public boolean hasSlimNetwork(NetworkSpec spec) {
    return channels(spec).slimProblem().isEmpty();
  }

  /**
   * The kept channels of every group of {@code spec}: the one decision behind {@link #masks} and
   * {@link #slimSpec}, and what the pruner cuts with.
   *
   * @throws ModelException when the network's channel groups cannot be kept consistent (see
   *     {@link ChannelGroups#of})
   */
  public ChannelPlan channels(NetworkSpec spec) {
    return ChannelSelection.kels(ChannelGroups.of(spec), this);
  }

  @Override
  public Map<String, Mask> masks(NetworkSpec spec) {
    return channels(spec).masks();
  }

  /** The fit hypothesis as a network of its own: same layers and names, fit widths. */
  public NetworkSpec slimSpec(NetworkSpec spec) {
    return channels(spec).slimSpec();
  }
}
