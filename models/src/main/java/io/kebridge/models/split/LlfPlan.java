package io.kebridge.models.split;

import io.kebridge.models.ModelException;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.ParamSpec;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Later-layer forgetting (LLF): every weight from the named layer onwards, in layer order, is
 * reset; every weight before it is fit. The name may be a layer ({@code layer4.0.conv1}) or a
 * stage prefix ({@code layer4}, matching {@code layer4.*}).
 */
public record LlfPlan(String fromLayer) implements SplitPlan {

  @Override
  public String describe() {
    return "llf:" + fromLayer;
  }

  private boolean matches(String layer) {
    return layer.equals(fromLayer) || layer.startsWith(fromLayer + ".");
  }

  @Override
  public Map<String, Mask> masks(NetworkSpec spec) {
    boolean found = spec.layers().stream().anyMatch(l -> matches(l.name()));
    if (!found) {
      throw new ModelException(
          "llf:" + fromLayer + ": the network has no layer named " + fromLayer + " or "
              + fromLayer + ".*");
    }
    Map<String, Mask> masks = new LinkedHashMap<>();
    boolean reset = false;
    for (Layer layer : spec.layers()) {
      reset |= matches(layer.name());
      for (ParamSpec p : layer.params()) {
        if (p.kind().maskable()) {
          byte[] bits = new byte[(int) p.elements()];
          if (!reset) {
            java.util.Arrays.fill(bits, (byte) 1);
          }
          masks.put(p.name(), new Mask(p.name(), p.shape(), bits));
        }
      }
    }
    return masks;
  }
}
