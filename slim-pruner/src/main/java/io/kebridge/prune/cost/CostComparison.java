package io.kebridge.prune.cost;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.kebridge.models.cost.CostCounter;
import io.kebridge.models.cost.CostReport;
import io.kebridge.models.cost.LayerCost;
import io.kebridge.models.io.JsonErrors;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.prune.PruneException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Dense beside slim: parameters, multiply-accumulates and the KE paper's Ops (counted by {@link
 * CostCounter}) per layer and in total, the reduction in percent, and measured latency when a
 * benchmark supplied it ({@code null} until then). Written as {@code cost.json} and {@code
 * cost.md} into a slim folder.
 *
 * @param split the split the slim network comes from ({@code kels:0.5}), informational
 * @param latency measured latency, or {@code null} when not measured
 */
public record CostComparison(String split, CostReport dense, CostReport slim, Latency latency) {
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public CostComparison {
    List<String> d = dense.layers().stream().map(LayerCost::layer).toList();
    List<String> s = slim.layers().stream().map(LayerCost::layer).toList();
    if (!d.equals(s)) {
      throw new PruneException("dense and slim networks must have the same layers to be compared;"
          + " dense has " + d.size() + ", slim " + s.size());
    }
  }

  /** Counts both networks. */
  public static CostComparison of(String split, NetworkSpec dense, NetworkSpec slim) {
    return new CostComparison(split, CostCounter.count(dense), CostCounter.count(slim), null);
  }

  /** A copy carrying measured latency. */
  public CostComparison withLatency(Latency measured) {
    return new CostComparison(split, dense, slim, measured);
  }

  /** Per-layer rows, in layer order. */
  public List<LayerComparison> layers() {
    List<LayerComparison> rows = new ArrayList<>();
    for (int i = 0; i < dense.layers().size(); i++) {
      rows.add(new LayerComparison(dense.layers().get(i), slim.layers().get(i)));
    }
    return rows;
  }

  public double paramsReductionPercent() {
    return CostReport.reductionPercent(dense.params(), slim.params());
  }

  public double macsReductionPercent() {
    return CostReport.reductionPercent(dense.macs(), slim.macs());
  }

  public double opsReductionPercent() {
    return CostReport.reductionPercent(dense.ops(), slim.ops());
  }

  /** The comparison as indented JSON ({@code cost.json}). */
  public String toJson() {
    ObjectNode root = JSON.createObjectNode();
    root.put("split", split);
    totals(root.putObject("dense"), dense);
    totals(root.putObject("slim"), slim);
    ObjectNode red = root.putObject("reduction_percent");
    red.put("params", round(paramsReductionPercent()));
    red.put("macs", round(macsReductionPercent()));
    red.put("ops", round(opsReductionPercent()));
    if (latency == null) {
      root.putNull("latency");
    } else {
      ObjectNode l = root.putObject("latency");
      l.put("runtime", latency.runtime());
      l.put("batch", latency.batch());
      l.put("dense_median_ms", latency.denseMedianMs());
      l.put("slim_median_ms", latency.slimMedianMs());
    }
    ArrayNode rows = root.putArray("layers");
    for (LayerComparison row : layers()) {
      ObjectNode r = rows.addObject();
      r.put("layer", row.dense().layer());
      r.put("type", row.dense().type());
      layer(r.putObject("dense"), row.dense());
      layer(r.putObject("slim"), row.slim());
    }
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new PruneException("cannot encode the cost report: " + e.getOriginalMessage(), e);
    }
  }

  private static double round(double percent) {
    return Math.round(percent * 100) / 100.0;
  }

  private static void totals(ObjectNode n, CostReport r) {
    n.put("architecture", r.architecture());
    n.put("params", r.params());
    n.put("macs", r.macs());
    n.put("ops", r.ops());
  }

  private static void layer(ObjectNode n, LayerCost c) {
    n.put("output", c.output().toString());
    n.put("params", c.params());
    n.put("macs", c.macs());
    n.put("ops", c.ops());
  }

  /** Parses what {@link #toJson} wrote. */
  public static CostComparison fromJson(String json) {
    try {
      JsonNode root = JSON.readTree(json);
      if (root == null || !root.isObject()) {
        throw new PruneException("invalid cost report: " + (root == null || root.isMissingNode()
            ? "it is empty" : "not a JSON object"));
      }
      List<LayerCost> d = new ArrayList<>();
      List<LayerCost> s = new ArrayList<>();
      for (JsonNode row : need(root, "layers")) {
        String name = need(row, "layer").asText();
        String type = need(row, "type").asText();
        d.add(layerCost(name, type, need(row, "dense")));
        s.add(layerCost(name, type, need(row, "slim")));
      }
      JsonNode l = root.path("latency");
      Latency latency = l.isObject()
          ? new Latency(l.path("runtime").asText(), l.path("batch").asInt(),
              l.path("dense_median_ms").asDouble(), l.path("slim_median_ms").asDouble())
          : null;
      return new CostComparison(root.path("split").asText(null),
          new CostReport(need(root, "dense").path("architecture").asText(), d),
          new CostReport(need(root, "slim").path("architecture").asText(), s), latency);
    } catch (JsonProcessingException | IllegalArgumentException e) {
      throw new PruneException("invalid cost report: " + JsonErrors.describe(e), e);
    }
  }

  private static LayerCost layerCost(String name, String type, JsonNode n) {
    return new LayerCost(name, type, ActivationShape.parse(need(n, "output").asText()),
        need(n, "params").asLong(), need(n, "macs").asLong(), need(n, "ops").asLong());
  }

  private static JsonNode need(JsonNode n, String field) {
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      throw new PruneException("invalid cost report: missing '" + field + "'");
    }
    return v;
  }

  /** Reads a {@code cost.json} file. */
  public static CostComparison read(Path file) {
    try {
      return fromJson(Files.readString(file));
    } catch (IOException e) {
      throw new PruneException("cannot read cost report " + file + ": " + JsonErrors.describe(e),
          e);
    } catch (PruneException e) {
      throw new PruneException(file + ": " + e.getMessage(), e);
    }
  }

  /** The comparison as a Markdown table with totals ({@code cost.md}). */
  public String toMarkdown() {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "# Cost: %s dense vs %s (%s)%n%n", dense.architecture(),
        slim.architecture(), split));
    b.append("| layer | type | dense output | slim output | dense params | slim params "
        + "| dense MACs | slim MACs | dense Ops | slim Ops | Ops reduction |\n");
    b.append("|---|---|---|---|--:|--:|--:|--:|--:|--:|--:|\n");
    for (LayerComparison r : layers()) {
      LayerCost d = r.dense();
      LayerCost s = r.slim();
      b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %,d | %,d | %,d | %,d | %,d | %,d"
              + " | %s |%n", d.layer(), d.type(), d.output(), s.output(), d.params(), s.params(),
          d.macs(), s.macs(), d.ops(), s.ops(),
          d.ops() == 0 ? "" : String.format(Locale.ROOT, "%.1f%%", r.opsReductionPercent())));
    }
    b.append(String.format(Locale.ROOT, "| **total** | | | | %,d | %,d | %,d | %,d | %,d | %,d"
            + " | %.1f%% |%n%n", dense.params(), slim.params(), dense.macs(), slim.macs(),
        dense.ops(), slim.ops(), opsReductionPercent()));
    b.append(String.format(Locale.ROOT, "Reduction: params %.1f%%, MACs %.1f%%, Ops %.1f%%.%n%n",
        paramsReductionPercent(), macsReductionPercent(), opsReductionPercent()));
    if (latency == null) {
      b.append("Latency: not measured (ONNX Runtime benchmarks add it).\n");
    } else {
      b.append(String.format(Locale.ROOT, "Latency (%s, batch %d, median): dense %.3f ms, "
              + "slim %.3f ms, %.2fx faster.%n", latency.runtime(), latency.batch(),
          latency.denseMedianMs(), latency.slimMedianMs(), latency.speedup()));
    }
    return b.toString();
  }

  /** Totals as three text lines (dense, slim, reduction) for terminals. */
  public String summary() {
    return String.format(Locale.ROOT,
        "%-10s %,15d params %,18d MACs %,18d Ops%n%-10s %,15d params %,18d MACs %,18d Ops%n"
            + "%-10s %14.1f%% params %17.1f%% MACs %17.1f%% Ops%n",
        "dense", dense.params(), dense.macs(), dense.ops(), "slim", slim.params(), slim.macs(),
        slim.ops(), "reduction", paramsReductionPercent(), macsReductionPercent(),
        opsReductionPercent());
  }
}
