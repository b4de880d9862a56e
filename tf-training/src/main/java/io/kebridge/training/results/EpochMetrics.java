package io.kebridge.training.results;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * What one epoch did: one line of {@code metrics.jsonl}.
 *
 * @param epoch 1-based within the generation
 * @param totalEpoch 1-based across the run
 * @param denseAccuracy test accuracy of the dense network, or null when the epoch was not evaluated
 * @param slimAccuracy test accuracy of the slim network, or null (not evaluated, or no slim net)
 * @param evaluatedImages how many test images the accuracies were measured on: the whole test
 *     split at the end of a generation, the {@code evalSubset} for checks in between; null when
 *     the epoch was not evaluated
 * @param learningRate the rate of the epoch's last step
 * @param imagesPerSecond training throughput (training steps only)
 * @param evalSeconds wall time of the evaluation (0 when not evaluated)
 * @param seconds wall time of the epoch including evaluation
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"type", "generation", "epoch"})
public record EpochMetrics(
    int generation,
    int epoch,
    int totalEpoch,
    double loss,
    double trainAccuracy,
    Double denseAccuracy,
    Double slimAccuracy,
    Integer evaluatedImages,
    double learningRate,
    double imagesPerSecond,
    double evalSeconds,
    double seconds) {

  /** The record kind in {@code metrics.jsonl}. */
  @JsonProperty("type")
  public String type() {
    return "epoch";
  }

  /** True when the epoch ended with an evaluation. */
  public boolean evaluated() {
    return denseAccuracy != null;
  }
}
