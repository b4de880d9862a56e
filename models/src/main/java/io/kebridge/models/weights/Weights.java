package io.kebridge.models.weights;

import io.kebridge.models.ModelException;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.ParamSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The named tensors of a network (weights, biases, batch-norm parameters and statistics), in
 * insertion order. Immutable; {@link #with} returns a copy.
 */
public final class Weights {
  private final Map<String, Tensor> tensors;

  private Weights(Map<String, Tensor> tensors) {
    this.tensors = Collections.unmodifiableMap(tensors);
  }

  /** Weights holding these tensors; names must be unique. */
  public static Weights of(Collection<Tensor> tensors) {
    Map<String, Tensor> map = new LinkedHashMap<>();
    for (Tensor t : tensors) {
      if (map.put(t.name(), t) != null) {
        throw new ModelException("two tensors are named " + t.name());
      }
    }
    return new Weights(map);
  }

  /** Tensors by name, in order. */
  public Map<String, Tensor> tensors() {
    return tensors;
  }

  public Set<String> names() {
    return tensors.keySet();
  }

  public boolean has(String name) {
    return tensors.containsKey(name);
  }

  /** The tensor with this name. */
  public Tensor get(String name) {
    Tensor t = tensors.get(name);
    if (t == null) {
      throw new ModelException("the weights have no tensor named " + name);
    }
    return t;
  }

  /** A copy in which {@code tensor} replaces (or adds) the tensor of its name. */
  public Weights with(Tensor tensor) {
    Map<String, Tensor> map = new LinkedHashMap<>(tensors);
    map.put(tensor.name(), tensor);
    return new Weights(map);
  }

  /**
   * Checks that these weights hold exactly the parameters of {@code spec} with the spec's shapes.
   *
   * @throws ModelException listing the first mismatches
   */
  public void checkMatches(NetworkSpec spec) {
    List<String> problems = new ArrayList<>();
    Set<String> expected = new java.util.HashSet<>();
    for (ParamSpec p : spec.params()) {
      expected.add(p.name());
      Tensor t = tensors.get(p.name());
      if (t == null) {
        problems.add(p.name() + " is missing");
      } else if (!Arrays.equals(t.shape(), p.shape())) {
        problems.add(
            p.name() + " has shape " + Arrays.toString(t.shape()) + ", the network expects "
                + Arrays.toString(p.shape()));
      }
    }
    for (String name : tensors.keySet()) {
      if (!expected.contains(name)) {
        problems.add(name + " is not a parameter of the network");
      }
    }
    if (!problems.isEmpty()) {
      int shown = Math.min(5, problems.size());
      throw new ModelException(
          "weights do not match the network spec ("
              + spec.architecture()
              + "): "
              + String.join("; ", problems.subList(0, shown))
              + (problems.size() > shown ? "; and " + (problems.size() - shown) + " more" : ""));
    }
  }
}
