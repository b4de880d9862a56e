package io.kebridge.training.ke;

import io.kebridge.training.TrainingException;
import java.util.Locale;

/** Where the reset hypothesis's fresh values come from before generation g > 1. */
public enum ReinitRule {
  /**
   * PyTorch's default layer init, kaiming-uniform with a = sqrt(5), i.e. U(-1/sqrt(fan_in),
   * +1/sqrt(fan_in)): what the KE reference code does (the default).
   */
  REFERENCE,
  /** He-normal with fan-in, the distribution generation 1 starts from. */
  INITIAL,
  /** Zero. */
  ZERO;

  /** Parses {@code reference}, {@code initial} or {@code zero}. */
  public static ReinitRule parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new TrainingException(
          "unknown re-init rule '" + text + "', expected reference, initial or zero", e);
    }
  }
}
