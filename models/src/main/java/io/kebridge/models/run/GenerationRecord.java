package io.kebridge.models.run;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.kebridge.models.ModelException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What one KE generation of a run ended with: its accuracies, its split and where its files are.
 * The one contract for a generation between modules: the trainer writes it as a line of {@code
 * metrics.jsonl} and as the metadata of the generation's weights file ({@link #toMetadata}), and
 * the pruner, the exporter and the reports read it back ({@link #fromMetadata}) instead of looking
 * up metadata keys themselves.
 *
 * @param generation 1-based
 * @param split the split plan the run trains with ({@code kels:0.5}), or null in records written
 *     before it was kept
 * @param denseAccuracy test accuracy of the dense network on the whole test split
 * @param slimAccuracy test accuracy of the slim network (the fit hypothesis cut out), or null when
 *     the split has no slim network
 * @param seconds wall time of the generation's epochs, evaluation included
 * @param keStepSeconds the KE step around it: re-initialisation before it plus the writing of
 *     weights, masks and checkpoint after it
 * @param weights the generation's weights file, relative to the run directory
 * @param masks the generation's masks file, relative to the run directory
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"type", "generation", "split"})
public record GenerationRecord(
    int generation,
    String split,
    double denseAccuracy,
    Double slimAccuracy,
    double seconds,
    double keStepSeconds,
    String weights,
    String masks) {

  /** Metadata key of the generation number in a weights file. */
  public static final String GENERATION_KEY = "generation";
  /** Metadata key of the split. */
  public static final String SPLIT_KEY = "split";
  /** Metadata key of the dense network's test accuracy. */
  public static final String DENSE_ACCURACY_KEY = "dense_accuracy";
  /** Metadata key of the slim network's test accuracy. */
  public static final String SLIM_ACCURACY_KEY = "slim_accuracy";

  public GenerationRecord {
    if (generation < 1) {
      throw new ModelException("a generation is numbered from 1, got " + generation);
    }
  }

  /** The record kind in {@code metrics.jsonl}. */
  @JsonProperty("type")
  public String type() {
    return "generation";
  }

  /** A copy with other timings (the KE step is known only after the files are written). */
  public GenerationRecord withTimes(double seconds, double keStepSeconds) {
    return new GenerationRecord(
        generation, split, denseAccuracy, slimAccuracy, seconds, keStepSeconds, weights, masks);
  }

  /** The metadata a generation's weights file carries: generation, split and accuracies. */
  public Map<String, String> toMetadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(GENERATION_KEY, Integer.toString(generation));
    if (split != null) {
      m.put(SPLIT_KEY, split);
    }
    m.put(DENSE_ACCURACY_KEY, Double.toString(denseAccuracy));
    if (slimAccuracy != null) {
      m.put(SLIM_ACCURACY_KEY, Double.toString(slimAccuracy));
    }
    return m;
  }

  /**
   * Reads what a generation's weights file says about generation {@code generation}; timings are
   * not kept there (0) and the file names are the run directory's layout.
   *
   * @throws ModelException when an accuracy is missing or not a number
   */
  public static GenerationRecord fromMetadata(int generation, Map<String, String> metadata) {
    String dense = metadata.get(DENSE_ACCURACY_KEY);
    if (dense == null) {
      throw new ModelException("the weights of generation " + generation + " carry no "
          + DENSE_ACCURACY_KEY + " (not written by a ke-bridge run?)");
    }
    return new GenerationRecord(
        generation,
        metadata.get(SPLIT_KEY),
        number(dense, DENSE_ACCURACY_KEY),
        metadata.containsKey(SLIM_ACCURACY_KEY)
            ? number(metadata.get(SLIM_ACCURACY_KEY), SLIM_ACCURACY_KEY)
            : null,
        0,
        0,
        RunDirectory.generationWeightsPath(generation),
        RunDirectory.generationMasksPath(generation));
  }

  /** The metadata of a slim network's weights: the generation it was cut from and its accuracy. */
  public static Map<String, String> slimMetadata(int generation, Double slimAccuracy) {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(GENERATION_KEY, Integer.toString(generation));
    if (slimAccuracy != null) {
      m.put(SLIM_ACCURACY_KEY, Double.toString(slimAccuracy));
    }
    return m;
  }

  private static double number(String value, String key) {
    try {
      return Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new ModelException(key + " '" + value + "' in a generation's weights is not a number",
          e);
    }
  }
}
