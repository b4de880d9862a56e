package io.kebridge.models.arch;

import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.Layer;
import io.kebridge.models.spec.NetworkSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Appends layers to a network while tracking each layer's shape, so architecture code states only
 * what is new about a layer ({@code conv("conv1", x, 64, 7, 2, 3)}) and never repeats channel
 * counts. Each call returns the new layer's name for the next call to read.
 */
public final class SpecBuilder {
  /** PyTorch's batch-norm defaults, which the KE reference uses. */
  public static final double BN_EPSILON = 1e-5;

  public static final double BN_MOMENTUM = 0.1;

  private final String architecture;
  private final List<Layer> layers = new ArrayList<>();
  private final Map<String, ActivationShape> shapes = new LinkedHashMap<>();

  public SpecBuilder(String architecture) {
    this.architecture = architecture;
  }

  private String add(Layer layer) {
    List<ActivationShape> in = new ArrayList<>();
    for (String s : layer.inputs()) {
      in.add(shapes.get(s));
    }
    shapes.put(layer.name(), layer.outputShape(in));
    layers.add(layer);
    return layer.name();
  }

  /** The shape of a layer added before. */
  public ActivationShape shape(String layer) {
    return shapes.get(layer);
  }

  public String input(String name, ActivationShape shape) {
    return add(new Layer.Input(name, shape));
  }

  /** A convolution without bias (the batch-norm after it has the shift). */
  public String conv(String name, String from, int out, int kernel, int stride, int padding) {
    return add(
        new Layer.Conv2d(
            name, from, shape(from).channels(), out, kernel, stride, padding, false));
  }

  /** A grouped convolution without bias ({@code groups == channels} is depthwise). */
  public String conv(
      String name, String from, int out, int kernel, int stride, int padding, int groups) {
    return add(
        new Layer.Conv2d(
            name, from, shape(from).channels(), out, kernel, stride, padding, groups, false));
  }

  public String batchNorm(String name, String from) {
    return add(new Layer.BatchNorm(name, from, shape(from).channels(), BN_EPSILON, BN_MOMENTUM));
  }

  public String relu(String name, String from) {
    return add(new Layer.Relu(name, from));
  }

  /** A ReLU the KE reference applies as a function, not a module (see {@link Layer.Relu}). */
  public String functionalRelu(String name, String from) {
    return add(new Layer.Relu(name, from, true));
  }

  public String maxPool(String name, String from, int kernel, int stride, int padding) {
    return add(new Layer.MaxPool(name, from, kernel, stride, padding));
  }

  /** Average pooling that counts padded positions, as PyTorch's default. */
  public String avgPool(String name, String from, int kernel, int stride, int padding) {
    return add(new Layer.AvgPool(name, from, kernel, stride, padding, true));
  }

  public String relu6(String name, String from) {
    return add(new Layer.Relu6(name, from));
  }

  public String concat(String name, String... from) {
    return add(new Layer.Concat(name, List.of(from)));
  }

  public String dropout(String name, String from, double rate) {
    return add(new Layer.Dropout(name, from, rate));
  }

  public String globalAvgPool(String name, String from) {
    return add(new Layer.GlobalAvgPool(name, from));
  }

  public String add(String name, String... from) {
    return add(new Layer.Add(name, List.of(from)));
  }

  public String flatten(String name, String from) {
    return add(new Layer.Flatten(name, from));
  }

  public String dense(String name, String from, int out) {
    return add(new Layer.Dense(name, from, shape(from).channels(), out, true));
  }

  /** The finished spec whose output is {@code output}. */
  public NetworkSpec build(String output) {
    return new NetworkSpec(architecture, layers, output);
  }
}
