package io.kebridge.training.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.training.TrainingException;
import org.junit.jupiter.api.Test;

class LrScheduleTest {

  @Test
  void cosineWarmsUpLinearlyThenDecaysMonotonicallyTowardsZero() {
    LrSchedule s = new LrSchedule(LrSchedule.Kind.COSINE, 0.1, 1, 3, 0.1);
    assertEquals(0.01, s.at(0, 5, 10), 1e-12);
    assertEquals(0.1, s.at(9, 5, 10), 1e-12);
    assertEquals(0.1, s.at(10, 5, 10), 1e-12);
    double previous = 0.1;
    for (int step = 11; step < 50; step++) {
      double lr = s.at(step, 5, 10);
      assertTrue(lr < previous, "decreasing at step " + step);
      previous = lr;
    }
    assertTrue(previous < 0.001);
  }

  @Test
  void stepScheduleDecaysByGammaEveryStepEpochs() {
    LrSchedule s = new LrSchedule(LrSchedule.Kind.STEP, 0.1, 0, 2, 0.5);
    assertEquals(0.1, s.at(0, 6, 4), 1e-12);
    assertEquals(0.1, s.at(7, 6, 4), 1e-12);
    assertEquals(0.05, s.at(8, 6, 4), 1e-12);
    assertEquals(0.025, s.at(23, 6, 4), 1e-12);
  }

  @Test
  void constantScheduleKeepsTheRateAfterWarmUp() {
    LrSchedule s = new LrSchedule(LrSchedule.Kind.CONSTANT, 0.2, 0, 1, 1);
    assertEquals(0.2, s.at(0, 3, 5), 0);
    assertEquals(0.2, s.at(14, 3, 5), 0);
  }

  @Test
  void warmUpNeverCoversTheWholeGeneration() {
    LrSchedule s = new LrSchedule(LrSchedule.Kind.COSINE, 0.1, 5, 1, 1);
    // one epoch only: no warm-up left, the generation still reaches the peak rate
    assertEquals(0.1, s.at(0, 1, 10), 1e-12);
  }

  @Test
  void unknownKindAndNegativeRateAreRefused() {
    assertThrows(TrainingException.class, () -> LrSchedule.Kind.parse("linear"));
    assertThrows(TrainingException.class,
        () -> new LrSchedule(LrSchedule.Kind.COSINE, -1, 0, 1, 1));
  }
}
