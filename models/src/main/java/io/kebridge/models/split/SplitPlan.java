package io.kebridge.models.split;

import io.kebridge.models.ModelException;
import io.kebridge.models.spec.NetworkSpec;
import java.util.Locale;
import java.util.Map;

/**
 * How Knowledge Evolution splits a network into a fit and a reset hypothesis: a binary mask for
 * every convolution and dense weight. Batch-norm parameters, statistics and biases carry no mask:
 * they are never re-initialised.
 */
public sealed interface SplitPlan permits KelsPlan, WelsPlan, LlfPlan {

  /** Masks of every maskable parameter of {@code spec}, by parameter name, in parameter order. */
  Map<String, Mask> masks(NetworkSpec spec);

  /** The plan in the form {@link #parse} reads ({@code kels:0.5}). */
  String describe();

  /** True when the fit hypothesis is a dense sub-network that can be cut out (KELS only). */
  default boolean hasSlimNetwork() {
    return false;
  }

  /**
   * True when this split of {@code spec} has a slim network that computes exactly what the fit
   * hypothesis computes in the dense network: KELS on a network without a layer that mixes the
   * channels it drops (see {@link ChannelPlan#slimProblem}).
   */
  default boolean hasSlimNetwork(NetworkSpec spec) {
    return false;
  }

  /**
   * Parses {@code kels:S}, {@code wels:S} or {@code llf:LAYER}; {@code seed} draws WELS masks.
   *
   * @throws ModelException with the accepted forms when the text is not one of them
   */
  static SplitPlan parse(String text, long seed) {
    String t = text == null ? "" : text.trim();
    int colon = t.indexOf(':');
    String kind = (colon < 0 ? t : t.substring(0, colon)).toLowerCase(Locale.ROOT);
    String arg = colon < 0 ? "" : t.substring(colon + 1).trim();
    try {
      return switch (kind) {
        case "kels" -> new KelsPlan(arg.isEmpty() ? 0.5 : Double.parseDouble(arg));
        case "wels" -> new WelsPlan(arg.isEmpty() ? 0.5 : Double.parseDouble(arg), seed);
        case "llf" -> {
          if (arg.isEmpty()) {
            throw new ModelException("llf needs a layer name, as in llf:layer4");
          }
          yield new LlfPlan(arg);
        }
        default ->
            throw new ModelException(
                "unknown split '" + text + "', expected kels:S, wels:S (0 < S <= 1) or llf:LAYER");
      };
    } catch (NumberFormatException e) {
      throw new ModelException(
          "split rate in '" + text + "' is not a number, expected for example kels:0.5", e);
    }
  }

  /** Checks a split rate. */
  static double checkRate(double s) {
    if (!(s > 0 && s <= 1)) {
      throw new ModelException("split rate must be in (0, 1], got " + s);
    }
    return s;
  }
}
