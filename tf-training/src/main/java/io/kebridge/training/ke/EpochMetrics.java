package io.kebridge.training.ke;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * What one epoch did: one line of {@code metrics.jsonl}.
 *
 * @param epoch 1-based within the generation
 * @param totalEpoch 1-based across the run
 * @param denseAccuracy test accuracy of the dense network, or null when not evaluated
 * @param slimAccuracy test accuracy of the slim network, or null (not evaluated, or no slim net)
 * @param learningRate the rate of the epoch's last step
 * @param imagesPerSecond training throughput (training steps only)
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
    double learningRate,
    double imagesPerSecond,
    double seconds) {

  /** The record kind in {@code metrics.jsonl}. */
  @JsonProperty("type")
  public String type() {
    return "epoch";
  }
}
