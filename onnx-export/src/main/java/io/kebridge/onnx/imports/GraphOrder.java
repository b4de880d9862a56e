package io.kebridge.onnx.imports;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import io.kebridge.onnx.OnnxException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Set;

/**
 * The order in which the importer visits a graph's nodes: every node after the nodes that compute
 * its inputs, and otherwise in file order (ONNX requires files to be sorted so; some writers do
 * not sort). Finds what a corrupt or hostile file gets wrong before any layer is made: a value
 * computed twice, a value that nothing defines (a missing weight), a cycle.
 */
final class GraphOrder {
  private GraphOrder() {}

  /** Where a node is, for a message that names its type already: {@code node 3 'conv1'}. */
  static String position(GraphProto g, int index) {
    NodeProto n = g.getNode(index);
    return "node " + index + (n.getName().isEmpty() ? "" : " '" + shortName(n.getName()) + "'");
  }

  /** How a node is named in messages: its position in the file, its type and name. */
  static String describe(GraphProto g, int index) {
    NodeProto n = g.getNode(index);
    return "node " + index + " (" + shortName(n.getOpType())
        + (n.getName().isEmpty() ? "" : " '" + shortName(n.getName()) + "'") + ")";
  }

  /** Text as it may appear in a one-line message: control characters (a newline) as {@code ?}. */
  static String printable(String s) {
    return s.codePoints().map(c -> c < 0x20 || c == 0x7F ? '?' : c)
        .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
        .toString();
  }

  /** A name from the file for a message: printable, and cut when it is very long. */
  static String shortName(String s) {
    String p = printable(s);
    return p.length() > 160 ? p.substring(0, 150) + "..." : p;
  }

  /**
   * The node indices, sorted.
   *
   * @param defined the values defined before any node runs: graph inputs and initializers
   * @param source what to call the file in errors
   * @throws OnnxException for a value defined twice, values nothing defines, or a cycle
   */
  static int[] sort(GraphProto g, Set<String> defined, String source) {
    int n = g.getNodeCount();
    Map<String, Integer> producer = new HashMap<>();
    for (int i = 0; i < n; i++) {
      for (String out : g.getNode(i).getOutputList()) {
        if (out.isEmpty()) {
          continue;
        }
        Integer before = producer.put(out, i);
        if (before != null || defined.contains(out)) {
          throw new OnnxException(source + ": value '" + out + "' is defined twice ("
              + (before != null ? describe(g, before) : "a graph input or weight") + " and "
              + describe(g, i) + "); the file is corrupt");
        }
      }
    }
    Map<String, Integer> missing = new LinkedHashMap<>();
    List<List<Integer>> readers = new ArrayList<>();
    int[] waiting = new int[n];
    for (int i = 0; i < n; i++) {
      readers.add(new ArrayList<>());
    }
    for (int i = 0; i < n; i++) {
      for (String in : g.getNode(i).getInputList()) {
        if (in.isEmpty() || defined.contains(in)) {
          continue;
        }
        Integer p = producer.get(in);
        if (p == null) {
          missing.putIfAbsent(in, i);
        } else {
          readers.get(p).add(i);
          waiting[i]++;
        }
      }
    }
    if (!missing.isEmpty()) {
      var first = missing.entrySet().iterator().next();
      throw new OnnxException(source + ": " + describe(g, first.getValue()) + " reads '"
          + first.getKey() + "', which is neither stored in the file nor computed by any node"
          + (missing.size() > 1 ? " (" + missing.size() + " such values in all)" : "")
          + "; the file is incomplete (a missing weight?)");
    }
    PriorityQueue<Integer> ready = new PriorityQueue<>();
    for (int i = 0; i < n; i++) {
      if (waiting[i] == 0) {
        ready.add(i);
      }
    }
    int[] order = new int[n];
    int k = 0;
    while (!ready.isEmpty()) {
      int i = ready.poll();
      order[k++] = i;
      for (int r : readers.get(i)) {
        if (--waiting[r] == 0) {
          ready.add(r);
        }
      }
    }
    if (k < n) {
      throw new OnnxException(source + ": the graph has a cycle through " + cycle(g, waiting,
          producer) + "; an ONNX graph must be acyclic");
    }
    return order;
  }

  /** One cycle among the nodes still waiting, as "node 3 (...) -> node 5 (...) -> node 3". */
  private static String cycle(GraphProto g, int[] waiting, Map<String, Integer> producer) {
    int start = 0;
    while (waiting[start] == 0) {
      start++;
    }
    List<Integer> path = new ArrayList<>();
    int at = start;
    while (!path.contains(at)) {
      path.add(at);
      int next = -1;
      for (String in : g.getNode(at).getInputList()) {
        Integer p = producer.get(in);
        if (p != null && waiting[p] > 0) {
          next = p;
          break;
        }
      }
      if (next < 0) {
        break; // cannot happen: a waiting node reads a waiting node
      }
      at = next;
    }
    List<String> names = new ArrayList<>();
    for (int i = path.indexOf(at); i >= 0 && i < path.size(); i++) {
      names.add(describe(g, path.get(i)));
    }
    names.add(describe(g, at));
    // the walk went from readers to producers; a cycle reads forwards the other way
    java.util.Collections.reverse(names);
    return String.join(" -> ", names);
  }
}
