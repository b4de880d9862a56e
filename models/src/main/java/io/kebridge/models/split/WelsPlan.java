package io.kebridge.models.split;

import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.ParamSpec;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The weight-level split (WELS): each entry of every conv and dense weight is fit with probability
 * {@code rate}. Each tensor draws from its own generator seeded by the plan's seed and the
 * parameter name, so a mask does not depend on which other layers exist. No slim network exists.
 */
public record WelsPlan(double rate, long seed) implements SplitPlan {
  public WelsPlan {
    SplitPlan.checkRate(rate);
  }

  /** The same rate with a new seed, for drawing a fresh split in a later generation. */
  public WelsPlan withSeed(long newSeed) {
    return new WelsPlan(rate, newSeed);
  }

  @Override
  public String describe() {
    return "wels:" + rate;
  }

  @Override
  public Map<String, Mask> masks(NetworkSpec spec) {
    Map<String, Mask> masks = new LinkedHashMap<>();
    for (ParamSpec p : spec.params()) {
      if (!p.kind().maskable()) {
        continue;
      }
      SplittableRandom random = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + p.name().hashCode());
      byte[] bits = new byte[(int) p.elements()];
      for (int i = 0; i < bits.length; i++) {
        bits[i] = random.nextDouble() < rate ? (byte) 1 : (byte) 0;
      }
      masks.put(p.name(), new Mask(p.name(), p.shape(), bits));
    }
    return masks;
  }
}
