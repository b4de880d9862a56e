package io.kebridge.training.optim;

import io.kebridge.training.TrainingException;
import java.util.Locale;

/**
 * The learning rate of every step of one generation (KE restarts it, warm-up included, every
 * generation). Steps are counted from 0 within the generation.
 *
 * @param kind cosine (with linear warm-up, the reference's {@code cosine_lr}), step or constant
 * @param base the peak learning rate
 * @param warmupEpochs epochs of linear warm-up from {@code base/warmupSteps} to {@code base}
 * @param stepEpochs for {@code step}: epochs between decays
 * @param gamma for {@code step}: the factor of each decay
 */
public record LrSchedule(Kind kind, double base, int warmupEpochs, int stepEpochs, double gamma) {

  /** Schedule shapes. */
  public enum Kind {
    COSINE,
    STEP,
    CONSTANT;

    /** Parses {@code cosine}, {@code step} or {@code constant}. */
    public static Kind parse(String text) {
      try {
        return valueOf(text.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException | NullPointerException e) {
        throw new TrainingException(
            "unknown learning-rate schedule '" + text + "', expected cosine, step or constant", e);
      }
    }
  }

  public LrSchedule {
    if (kind == null) {
      throw new TrainingException("a learning-rate schedule needs a kind");
    }
    if (!(base > 0)) {
      throw new TrainingException("the learning rate must be positive, got " + base);
    }
    if (warmupEpochs < 0 || stepEpochs <= 0 || !(gamma > 0)) {
      throw new TrainingException(
          "warm-up epochs must be >= 0, step epochs > 0 and gamma > 0, got " + warmupEpochs + ", "
              + stepEpochs + ", " + gamma);
    }
  }

  /**
   * The learning rate at {@code step} of a generation of {@code epochs} epochs of {@code
   * stepsPerEpoch} steps.
   */
  public double at(int step, int epochs, int stepsPerEpoch) {
    int total = epochs * stepsPerEpoch;
    int warm = Math.min(warmupEpochs, Math.max(epochs - 1, 0)) * stepsPerEpoch;
    if (step < warm) {
      return base * (step + 1) / warm;
    }
    switch (kind) {
      case COSINE:
        double span = Math.max(total - warm, 1);
        return 0.5 * (1 + Math.cos(Math.PI * (step - warm) / span)) * base;
      case STEP:
        return base * Math.pow(gamma, Math.floorDiv(step, stepEpochs * stepsPerEpoch));
      default:
        return base;
    }
  }
}
