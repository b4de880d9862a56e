package io.kebridge.onnx.imports;

import ai.onnx.proto.OnnxMl.NodeProto;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Names for imported layers: PyTorch's module names where the file says them, so that parameter
 * names survive the trip (a weight {@code layer1.0.conv1.weight}, or torch.onnx's scoped node name
 * {@code /layer1/layer1.0/conv1/Conv}, gives {@code layer1.0.conv1}); else the node's name, else
 * its output. Names keep only the characters TensorFlow accepts in a variable name and are made
 * unique with a numeric suffix.
 */
final class LayerNames {
  private LayerNames() {}

  /**
   * The name of the layer a node becomes.
   *
   * @param weightName the name of the node's weight, or null
   * @param index the node's position in the file (the name of last resort)
   * @param taken the names of the layers made so far
   */
  static String pick(String weightName, NodeProto node, int index, Set<String> taken) {
    String base = null;
    if (weightName != null && weightName.endsWith(".weight") && weightName.length() > 7
        && !weightName.contains("::")) {
      base = weightName.substring(0, weightName.length() - 7);
    }
    if (base == null || taken.contains(clean(base))) {
      base = scoped(node.getName());
    }
    if (base == null) {
      base = node.getName().isEmpty() ? node.getOutput(0) : node.getName();
    }
    base = clean(base);
    if (base.isEmpty()) {
      base = "layer" + index;
    }
    String name = base;
    for (int i = 2; taken.contains(name); i++) {
      name = base + "_" + i;
    }
    return name;
  }

  /** What TensorFlow accepts: {@code [A-Za-z0-9.][A-Za-z0-9_.-]*} (a slash opens a scope). */
  static String clean(String s) {
    return s.replaceAll("[^A-Za-z0-9_.-]", "_").replaceAll("^[^A-Za-z0-9.]+", "");
  }

  /**
   * The module path of a torch.onnx node name: {@code /features/features.0/Conv} gives {@code
   * features.0}, {@code /layer1/layer1.0/downsample/downsample.0/Conv} gives {@code
   * layer1.0.downsample.0} (a scope that extends the one before it, as a Sequential's child
   * {@code downsample.0} does {@code downsample}, replaces it); null for other names.
   */
  static String scoped(String nodeName) {
    if (!nodeName.startsWith("/") || nodeName.length() < 2) {
      return null;
    }
    String[] parts = nodeName.substring(1).split("/");
    if (parts.length < 2) {
      return null;
    }
    List<String> path = new ArrayList<>();
    for (int i = 0; i < parts.length - 1; i++) {
      String p = parts[i];
      if (p.isEmpty()) {
        return null;
      }
      if (!path.isEmpty() && p.startsWith(path.get(path.size() - 1) + ".")) {
        path.set(path.size() - 1, p);
      } else {
        path.add(p);
      }
    }
    return String.join(".", path);
  }
}
