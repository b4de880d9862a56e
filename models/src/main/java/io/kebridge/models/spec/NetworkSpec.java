package io.kebridge.models.spec;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.kebridge.models.ModelException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The immutable description of a network that every module shares: named layers in topological
 * order, one image input, one output (the logits). Construction validates the graph and infers
 * every layer's shape, so a {@code NetworkSpec} that exists is a network that can be built.
 */
@JsonPropertyOrder({"format_version", "architecture", "output", "layers"})
public final class NetworkSpec {
  /**
   * The version of the JSON form written by {@link SpecJson}; readers refuse newer ones. Version 2
   * added convolution groups and the concat, avg_pool, relu6 and dropout layers; version 3 the lrn
   * layer, {@code ceilMode} pooling and padding that differs by side ({@code [top, left, bottom,
   * right]}). Files of every earlier version read unchanged.
   */
  public static final int FORMAT_VERSION = 3;

  private final String architecture;
  private final List<Layer> layers;
  private final String output;
  private final Map<String, Layer> byName;
  private final Map<String, ActivationShape> shapes;
  private final Layer.Input input;

  /**
   * @param architecture a free label such as {@code resnet18}; informational
   * @param layers layers in topological order (every input is defined before it is read)
   * @param output the name of the layer whose output is the logits
   */
  public NetworkSpec(String architecture, List<Layer> layers, String output) {
    this.architecture = architecture == null ? "custom" : architecture;
    this.layers = List.copyOf(Objects.requireNonNull(layers, "layers"));
    this.output = Objects.requireNonNull(output, "output");
    Map<String, Layer> names = new LinkedHashMap<>();
    Map<String, ActivationShape> inferred = new LinkedHashMap<>();
    Layer.Input in = null;
    for (Layer layer : this.layers) {
      if (names.containsKey(layer.name())) {
        throw new ModelException(layer.name() + ": the name is used by two layers");
      }
      List<ActivationShape> inShapes = new ArrayList<>();
      for (String source : layer.inputs()) {
        ActivationShape s = inferred.get(source);
        if (s == null) {
          throw new ModelException(
              layer.name()
                  + ": reads '"
                  + source
                  + "', which is not defined before it"
                  + (source.equals(layer.name()) ? " (a layer cannot read itself)" : ""));
        }
        inShapes.add(s);
      }
      if (layer instanceof Layer.Input i) {
        if (in != null) {
          throw new ModelException(
              layer.name() + ": a second input layer (" + in.name() + " is the first)");
        }
        in = i;
      }
      inferred.put(layer.name(), layer.outputShape(inShapes));
      names.put(layer.name(), layer);
    }
    if (in == null) {
      throw new ModelException("the network has no input layer");
    }
    if (!names.containsKey(output)) {
      throw new ModelException("the output layer '" + output + "' is not defined");
    }
    this.input = in;
    this.byName = Collections.unmodifiableMap(names);
    this.shapes = Collections.unmodifiableMap(inferred);
  }

  @JsonCreator
  static NetworkSpec fromJson(
      @JsonProperty("format_version") Integer formatVersion,
      @JsonProperty("architecture") String architecture,
      @JsonProperty("layers") List<Layer> layers,
      @JsonProperty("output") String output) {
    if (formatVersion == null) {
      throw new ModelException("the network spec has no format_version");
    }
    if (formatVersion > FORMAT_VERSION) {
      throw new ModelException(
          "the network spec has format_version "
              + formatVersion
              + ", this ke-bridge reads up to "
              + FORMAT_VERSION
              + ": upgrade ke-bridge");
    }
    if (layers == null || output == null) {
      throw new ModelException("the network spec needs 'layers' and 'output'");
    }
    return new NetworkSpec(architecture, layers, output);
  }

  @JsonProperty("format_version")
  int formatVersion() {
    return FORMAT_VERSION;
  }

  @JsonProperty("architecture")
  public String architecture() {
    return architecture;
  }

  @JsonProperty("layers")
  public List<Layer> layers() {
    return layers;
  }

  /** Name of the layer that produces the logits. */
  @JsonProperty("output")
  public String output() {
    return output;
  }

  /** The layer with this name. */
  public Layer layer(String name) {
    Layer l = byName.get(name);
    if (l == null) {
      throw new ModelException("the network has no layer named '" + name + "'");
    }
    return l;
  }

  /** True when a layer with this name exists. */
  public boolean has(String name) {
    return byName.containsKey(name);
  }

  /** The image input layer. */
  @JsonIgnore
  public Layer.Input input() {
    return input;
  }

  /** Output shape of every layer, by name, in layer order. */
  @JsonIgnore
  public Map<String, ActivationShape> shapes() {
    return shapes;
  }

  /** Output shape of one layer. */
  public ActivationShape shapeOf(String layer) {
    layer(layer);
    return shapes.get(layer);
  }

  /** Number of output classes (the width of the output layer). */
  @JsonIgnore
  public int classes() {
    return shapes.get(output).channels();
  }

  /** The layers that read the given layer's output, in layer order. */
  public List<Layer> consumers(String layer) {
    List<Layer> out = new ArrayList<>();
    for (Layer l : layers) {
      if (l.inputs().contains(layer)) {
        out.add(l);
      }
    }
    return out;
  }

  /** Every parameter tensor of the network, in layer order. */
  @JsonIgnore
  public List<ParamSpec> params() {
    List<ParamSpec> out = new ArrayList<>();
    for (Layer l : layers) {
      out.addAll(l.params());
    }
    return out;
  }

  /** The parameter tensor with this name. */
  public ParamSpec param(String name) {
    for (ParamSpec p : params()) {
      if (p.name().equals(name)) {
        return p;
      }
    }
    throw new ModelException("the network has no parameter named '" + name + "'");
  }

  /** A copy with another architecture label. */
  public NetworkSpec withArchitecture(String label) {
    return new NetworkSpec(label, layers, output);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NetworkSpec n
        && architecture.equals(n.architecture)
        && layers.equals(n.layers)
        && output.equals(n.output);
  }

  @Override
  public int hashCode() {
    return Objects.hash(architecture, layers, output);
  }

  @Override
  public String toString() {
    return "NetworkSpec[" + architecture + ", " + layers.size() + " layers, " + input.shape()
        + " -> " + classes() + "]";
  }
}
