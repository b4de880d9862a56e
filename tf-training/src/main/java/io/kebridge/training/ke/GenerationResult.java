package io.kebridge.training.ke;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * What one generation ended with: one line of {@code metrics.jsonl} and an entry of {@link
 * KeResult}.
 *
 * @param slimAccuracy null when the split has no slim network
 * @param seconds wall time of the generation's epochs
 * @param keStepSeconds the KE step around it: re-initialisation before it plus the writing of
 *     weights, masks and checkpoint after it (the final evaluation is in the last epoch's seconds)
 * @param weights the generation's weights file, relative to the run directory
 * @param masks the generation's masks file, relative to the run directory
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
@JsonPropertyOrder({"type", "generation"})
public record GenerationResult(
    int generation,
    double denseAccuracy,
    Double slimAccuracy,
    double seconds,
    double keStepSeconds,
    String weights,
    String masks) {

  /** The record kind in {@code metrics.jsonl}. */
  @JsonProperty("type")
  public String type() {
    return "generation";
  }
}
