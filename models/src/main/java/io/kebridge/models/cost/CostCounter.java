package io.kebridge.models.cost;

import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.ParamSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Counts parameters, multiply-accumulates and the KE paper's "Ops" for one image.
 *
 * <p>The Ops convention is the paper's: a convolution costs {@code out_elems * (2*k*k*cin - 1)}
 * (plus {@code out_elems} with a bias); batch-norm {@code 2 * elems}; ReLU {@code elems} per
 * application; max-pooling 2 per output element; a dense layer {@code (2*in - 1) * out}; global
 * average pooling, residual adds and flatten are not counted. MACs count convolutions and dense
 * layers only, as torchvision-style counters do (ResNet-18 at 224x224: 1.81 G).
 */
public final class CostCounter {
  private CostCounter() {}

  /** The cost report of {@code spec}. */
  public static CostReport count(NetworkSpec spec) {
    List<LayerCost> out = new ArrayList<>();
    for (Layer layer : spec.layers()) {
      ActivationShape o = spec.shapeOf(layer.name());
      long elems = o.elements();
      long params = 0;
      for (ParamSpec p : layer.params()) {
        if (p.kind().trainable()) {
          params += p.elements();
        }
      }
      long macs = 0;
      long ops = 0;
      String type;
      if (layer instanceof Layer.Conv2d c) {
        type = "conv2d";
        long perOutput = (long) c.kernel() * c.kernel() * c.inChannels();
        macs = elems * perOutput;
        ops = elems * (2 * perOutput - 1) + (c.bias() ? elems : 0);
      } else if (layer instanceof Layer.Dense d) {
        type = "dense";
        macs = (long) d.inFeatures() * d.outFeatures();
        ops = (2L * d.inFeatures() - 1) * d.outFeatures();
      } else if (layer instanceof Layer.BatchNorm) {
        type = "batch_norm";
        ops = 2 * elems;
      } else if (layer instanceof Layer.Relu) {
        type = "relu";
        ops = elems;
      } else if (layer instanceof Layer.MaxPool) {
        type = "max_pool";
        ops = 2 * elems;
      } else if (layer instanceof Layer.GlobalAvgPool) {
        type = "global_avg_pool";
      } else if (layer instanceof Layer.Add) {
        type = "add";
      } else if (layer instanceof Layer.Flatten) {
        type = "flatten";
      } else {
        type = "input";
      }
      out.add(new LayerCost(layer.name(), type, o, params, macs, ops));
    }
    return new CostReport(spec.architecture(), out);
  }
}
