package io.kebridge.training.results;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import io.kebridge.training.TrainingException;
import java.util.Locale;

/** Control runs trained beside KE with the same total number of epochs. */
public enum Baseline {
  /**
   * The dense network trained once for generations x epochs, never re-initialised; from the
   * same starting weights as KE when it starts from another network's.
   */
  LONG,
  /**
   * The slim (fit-hypothesis) architecture trained from scratch for generations x epochs; when KE
   * starts from another network's weights, from their fit part (the slim network cut out of the
   * starting weights), so that both start from the same knowledge.
   */
  SLIM_SCRATCH;

  /** The name used on the command line, in config files and folders: {@code slim-scratch}. */
  @JsonValue
  public String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Parses {@code long} or {@code slim-scratch}. */
  @JsonCreator
  public static Baseline parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new TrainingException(
          "unknown baseline '" + text + "', expected long or slim-scratch", e);
    }
  }
}
