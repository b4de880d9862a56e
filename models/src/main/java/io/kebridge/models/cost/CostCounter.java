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
 * <p>The Ops convention is the reference profiler's ({@code utils/model_profile.py}), counted per
 * layer: a convolution costs {@code out_elems * (2*k*k*cin/groups - 1)} (plus {@code out_elems}
 * with a bias); batch-norm {@code 2 * elems}; ReLU and ReLU6 {@code elems} per application (not a
 * ReLU the reference applies as a function, {@link Layer.Relu#functional()}, which its profiler
 * never sees);
 * max-pooling {@code (k - 1)} per output element and average pooling {@code k} per output element
 * (the profiler multiplies out the kernel size as given, a single integer, not {@code k*k}); a
 * dense layer {@code (2*in - 1) * out}; global average pooling, residual adds, concatenation,
 * dropout and flatten are free. Ceil-mode and asymmetric padding change only the output size.
 *
 * <p>Local response normalisation is not in the reference (none of its networks has it); ke-bridge
 * counts what ONNX's definition computes per output element, {@code 2*size + 3} Ops: {@code size}
 * squares and {@code size - 1} additions for the window's sum of squares, one multiply by {@code
 * alpha/size} and one add of {@code bias}, one power and one division. MACs count convolutions and dense layers only, as torchvision-style
 * counters do (ResNet-18 at 224x224: 1.81 G).
 */
public final class CostCounter {
  private CostCounter() {}

  /** The cost report of {@code spec}. */
  public static CostReport count(NetworkSpec spec) {
    List<LayerCost> out = new ArrayList<>();
    for (Layer layer : spec.layers()) {
      ActivationShape o = spec.shapeOf(layer.name());
      long params = 0;
      for (ParamSpec p : layer.params()) {
        if (p.kind().trainable()) {
          params += p.elements();
        }
      }
      Counted c = layer.accept(new Costs(o.elements()));
      out.add(new LayerCost(layer.name(), c.type(), o, params, c.macs(), c.ops()));
    }
    return new CostReport(spec.architecture(), out);
  }

  /** A layer's type label, multiply-accumulates and Ops. */
  private record Counted(String type, long macs, long ops) {
    static Counted free(String type) {
      return new Counted(type, 0, 0);
    }
  }

  /** The profiler's formula for each layer type, given the layer's output element count. */
  private record Costs(long elems) implements Layer.Visitor<Counted> {
    @Override
    public Counted visit(Layer.Input l) {
      return Counted.free("input");
    }

    @Override
    public Counted visit(Layer.Conv2d c) {
      long perOutput = (long) c.kernel() * c.kernel() * (c.inChannels() / c.groups());
      return new Counted(c.depthwise() ? "depthwise_conv2d" : "conv2d", elems * perOutput,
          elems * (2 * perOutput - 1) + (c.bias() ? elems : 0));
    }

    @Override
    public Counted visit(Layer.BatchNorm l) {
      return new Counted("batch_norm", 0, 2 * elems);
    }

    @Override
    public Counted visit(Layer.Relu l) {
      return new Counted("relu", 0, l.functional() ? 0 : elems);
    }

    @Override
    public Counted visit(Layer.Relu6 l) {
      return new Counted("relu6", 0, elems);
    }

    @Override
    public Counted visit(Layer.MaxPool m) {
      return new Counted("max_pool", 0, (m.kernel() - 1L) * elems);
    }

    @Override
    public Counted visit(Layer.AvgPool a) {
      return new Counted("avg_pool", 0, (long) a.kernel() * elems);
    }

    @Override
    public Counted visit(Layer.GlobalAvgPool l) {
      return Counted.free("global_avg_pool");
    }

    @Override
    public Counted visit(Layer.Lrn l) {
      return new Counted("lrn", 0, (2L * l.size() + 3) * elems);
    }

    @Override
    public Counted visit(Layer.Add l) {
      return Counted.free("add");
    }

    @Override
    public Counted visit(Layer.Concat l) {
      return Counted.free("concat");
    }

    @Override
    public Counted visit(Layer.Dropout l) {
      return Counted.free("dropout");
    }

    @Override
    public Counted visit(Layer.Flatten l) {
      return Counted.free("flatten");
    }

    @Override
    public Counted visit(Layer.Dense d) {
      return new Counted("dense", (long) d.inFeatures() * d.outFeatures(),
          (2L * d.inFeatures() - 1) * d.outFeatures());
    }
  }
}
