package io.kebridge.models.split;

import io.kebridge.models.ModelException;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.ParamSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel-level split (KELS) of the KE reference: in every layer the fit hypothesis is the first
 * {@code ceil(s*c)} channels. A conv weight {@code [out, in, kh, kw]} is fit where {@code out <
 * ceil(s*out)} and {@code in} is below the fit width of the layer it reads; the conv that reads the
 * network input keeps every input channel, and the classifier (the output layer) keeps every class.
 * Widths are decided by graph position: they flow from the producing layer through batch-norm,
 * activations, pooling and residual adds. The fit part is a dense, smaller network with the same
 * topology: {@link #slimSpec}.
 *
 * <p>{@code ceil} is taken after subtracting 1e-9, so that a rate such as 0.3 of 10 channels gives 3
 * rather than the 4 that floating-point rounding of 0.3*10 would give.
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

  /**
   * The fit width of every layer's output, by layer name: channels for maps, features for vectors
   * (a flatten of {@code C x H x W} keeps the first {@code fit(C)*H*W} features, since flatten is
   * channel-major).
   *
   * @throws ModelException when a residual add joins branches of different fit widths
   */
  public Map<String, Integer> fitWidths(NetworkSpec spec) {
    Map<String, Integer> w = new LinkedHashMap<>();
    for (Layer layer : spec.layers()) {
      ActivationShape out = spec.shapeOf(layer.name());
      int width;
      if (layer instanceof Layer.Conv2d c) {
        width = fitWidth(c.outChannels());
      } else if (layer instanceof Layer.Dense d) {
        width = d.name().equals(spec.output()) ? d.outFeatures() : fitWidth(d.outFeatures());
      } else if (layer instanceof Layer.Flatten f) {
        ActivationShape s = spec.shapeOf(f.input());
        width = w.get(f.input()) * s.height() * s.width();
      } else if (layer instanceof Layer.Add a) {
        width = w.get(a.inputs().get(0));
        for (String other : a.inputs()) {
          if (w.get(other) != width) {
            throw new ModelException(
                a.name()
                    + ": joins "
                    + a.inputs().get(0)
                    + " (fit width "
                    + width
                    + ") and "
                    + other
                    + " (fit width "
                    + w.get(other)
                    + "); KELS needs equal widths on both sides of a residual add");
          }
        }
      } else if (layer instanceof Layer.Input) {
        width = out.channels();
      } else {
        // batch-norm, activations and pooling keep the width of what they read
        width = w.get(layer.inputs().get(0));
      }
      w.put(layer.name(), width);
    }
    return Collections.unmodifiableMap(w);
  }

  @Override
  public Map<String, Mask> masks(NetworkSpec spec) {
    Map<String, Integer> widths = fitWidths(spec);
    Map<String, Mask> masks = new LinkedHashMap<>();
    for (Layer layer : spec.layers()) {
      for (ParamSpec p : layer.params()) {
        if (!p.kind().maskable()) {
          continue;
        }
        int[] shape = p.shape();
        int outFit = widths.get(layer.name());
        int inFit = widths.get(layer.inputs().get(0));
        int inner = 1;
        for (int i = 2; i < shape.length; i++) {
          inner *= shape[i];
        }
        byte[] bits = new byte[shape[0] * shape[1] * inner];
        for (int o = 0; o < outFit; o++) {
          for (int i = 0; i < inFit; i++) {
            int base = (o * shape[1] + i) * inner;
            java.util.Arrays.fill(bits, base, base + inner, (byte) 1);
          }
        }
        masks.put(p.name(), new Mask(p.name(), shape, bits));
      }
    }
    return masks;
  }

  /** The fit hypothesis as a network of its own: same layers and names, fit widths. */
  public NetworkSpec slimSpec(NetworkSpec spec) {
    Map<String, Integer> widths = fitWidths(spec);
    List<Layer> slim = new ArrayList<>();
    for (Layer layer : spec.layers()) {
      Layer l = layer;
      if (layer instanceof Layer.Conv2d c) {
        l =
            new Layer.Conv2d(
                c.name(),
                c.input(),
                widths.get(c.input()),
                widths.get(c.name()),
                c.kernel(),
                c.stride(),
                c.padding(),
                c.bias());
      } else if (layer instanceof Layer.BatchNorm b) {
        l = new Layer.BatchNorm(b.name(), b.input(), widths.get(b.name()), b.epsilon(), b.momentum());
      } else if (layer instanceof Layer.Dense d) {
        l = new Layer.Dense(d.name(), d.input(), widths.get(d.input()), widths.get(d.name()), d.bias());
      }
      slim.add(l);
    }
    return new NetworkSpec(spec.architecture() + "-slim", slim, spec.output());
  }
}
