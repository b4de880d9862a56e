package io.kebridge.training.sweep;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.kebridge.training.ke.KeConfig;
import io.kebridge.training.results.Baseline;
import java.util.Locale;

/**
 * One run of a sweep: KE with one seed and split, or one control run, with its complete config.
 * Runs into {@code SWEEP_DIR/runs/NNN/}.
 *
 * @param index 0-based: the Indexed Job's completion index
 * @param baseline the control run, or null for KE
 * @param split the split it belongs to; null for the long control, which has none
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(value = {"folder"}, allowGetters = true)
@JsonPropertyOrder({"index", "run", "seed", "split", "folder", "config"})
public record PlanRow(
    int index, @JsonIgnore Baseline baseline, long seed, String split, KeConfig config) {

  @JsonCreator
  static PlanRow of(
      @JsonProperty("index") int index,
      @JsonProperty("run") String run,
      @JsonProperty("seed") long seed,
      @JsonProperty("split") String split,
      @JsonProperty("config") KeConfig config) {
    return new PlanRow(index, "ke".equals(run) ? null : Baseline.parse(run), seed, split, config);
  }

  /** {@code ke}, {@code long} or {@code slim-scratch}. */
  @JsonProperty("run")
  public String run() {
    return baseline == null ? "ke" : baseline.label();
  }

  /** The run's folder, relative to the sweep directory. */
  @JsonProperty("folder")
  public String folder() {
    return String.format(Locale.ROOT, "runs/%03d", index);
  }

  /** A short label for progress lines: {@code 003 ke seed 2 kels:0.5}. */
  public String label() {
    return String.format(Locale.ROOT, "%03d %s seed %d%s", index, run(), seed,
        split == null ? "" : " " + split);
  }
}
