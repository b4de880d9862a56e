package io.kebridge.onnx.imports;

import io.kebridge.onnx.OnnxException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything in a graph that the importer cannot express, gathered over the whole graph so that
 * one error tells the user all of it: each reason once (an operator type that is not supported,
 * an attribute value such as {@code dilations [2, 2]}), with how many nodes it applies to and the
 * first of them, instead of one line per node.
 */
final class Refusals {
  /** One reason and the nodes it applies to. */
  private static final class Entry {
    final String first;
    int count;

    Entry(String first) {
      this.first = first;
    }
  }

  private final Map<String, Entry> entries = new LinkedHashMap<>();
  private boolean unknownOperators;

  /**
   * Records that a node is refused.
   *
   * @param subject what the reason is about: the operator type ({@code Conv}), with its domain
   *     when it is not ONNX's own
   * @param reason why, the same words for every node refused alike
   * @param node the node, as {@link GraphOrder#describe} names it
   */
  void add(String subject, String reason, String node) {
    entries.computeIfAbsent(subject + " " + reason, k -> new Entry(node)).count++;
  }

  /** Records a node whose operator type is not one the importer knows. */
  void unknownOperator(String subject, String node) {
    unknownOperators = true;
    add(subject, "is not supported", node);
  }

  boolean isEmpty() {
    return entries.isEmpty();
  }

  /**
   * Throws the one error, when anything was refused.
   *
   * @param supported the operators the importer maps and folds, listed when an unknown operator
   *     was found
   */
  void throwIfAny(String source, String supported) {
    if (entries.isEmpty()) {
      return;
    }
    List<String> parts = new ArrayList<>();
    entries.forEach((what, e) -> parts.add(what + " (" + (e.count == 1 ? e.first
        : e.count + " nodes, first " + e.first) + ")"));
    throw new OnnxException(source + " cannot be imported: " + String.join("; ", parts)
        + (unknownOperators ? ". ke-bridge imports " + supported : ""));
  }
}
