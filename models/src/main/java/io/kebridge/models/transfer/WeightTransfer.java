package io.kebridge.models.transfer;

import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.spec.ParamSpec;
import io.kebridge.models.weights.Tensor;
import io.kebridge.models.weights.Weights;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Starting a network from another one's weights, as the KE reference starts from ImageNet
 * weights: every tensor whose name and shape match is loaded, every other tensor keeps its fresh
 * initialisation (a classifier with another class count, layers the source does not have).
 */
public final class WeightTransfer {
  private WeightTransfer() {}

  /**
   * A parameter that was not loaded, and why.
   *
   * @param shape its shape in the network
   * @param sourceShape its shape in the source, or null when the source has no tensor of its name
   */
  public record Fresh(String name, List<Integer> shape, List<Integer> sourceShape) {
    /** {@code fc.weight [10, 512] (source [1000, 512])} or {@code ... (not in the source)}. */
    public String describe() {
      return name + " " + shape + (sourceShape == null ? " (not in the source)"
          : " (source " + sourceShape + ")");
    }
  }

  /**
   * What was loaded.
   *
   * @param weights the network's starting weights
   * @param loaded the parameters taken from the source, in the network's order
   * @param fresh the parameters left at their fresh initialisation
   * @param unused the source's tensors that no parameter took
   */
  public record Result(Weights weights, List<String> loaded, List<Fresh> fresh,
      List<String> unused) {
    public Result {
      loaded = List.copyOf(loaded);
      fresh = List.copyOf(fresh);
      unused = List.copyOf(unused);
    }

    /** {@code 60 of 62 tensors loaded}. */
    public String summary() {
      return loaded.size() + " of " + (loaded.size() + fresh.size()) + " tensors loaded";
    }
  }

  /**
   * The starting weights of {@code spec}: {@code source}'s tensor wherever one has the
   * parameter's name and shape, {@code fresh}'s elsewhere.
   *
   * @param fresh a full set of weights for {@code spec} (its initialisation)
   */
  public static Result load(NetworkSpec spec, Weights fresh, Weights source) {
    fresh.checkMatches(spec);
    List<Tensor> out = new ArrayList<>();
    List<String> loaded = new ArrayList<>();
    List<Fresh> notLoaded = new ArrayList<>();
    for (ParamSpec p : spec.params()) {
      Tensor s = source.has(p.name()) ? source.get(p.name()) : null;
      if (s != null && Arrays.equals(s.shape(), p.shape())) {
        out.add(s);
        loaded.add(p.name());
      } else {
        out.add(fresh.get(p.name()));
        notLoaded.add(new Fresh(p.name(), list(p.shape()), s == null ? null : list(s.shape())));
      }
    }
    Set<String> taken = new HashSet<>(loaded);
    List<String> unused = new ArrayList<>();
    for (String name : source.names()) {
      if (!taken.contains(name)) {
        unused.add(name);
      }
    }
    return new Result(Weights.of(out), loaded, notLoaded, unused);
  }

  private static List<Integer> list(int[] shape) {
    return Arrays.stream(shape).boxed().toList();
  }
}
