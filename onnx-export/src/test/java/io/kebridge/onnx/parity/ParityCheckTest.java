package io.kebridge.onnx.parity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ParityCheckTest {

  @Test
  void relativeDifferenceIsTakenAgainstTheLargestReferenceLogit() {
    ParityReport r = ParityCheck.compare(
        new float[][] {{100f, -50f, 0f}}, new float[][] {{100.001f, -50f, 0.002f}}, "ref");
    assertEquals(0.002, r.maxAbsDiff(), 1e-5);
    assertEquals(2e-5, r.maxRelDiff(), 1e-6);
    assertTrue(r.passed());
  }

  @Test
  void aDifferentTopClassFailsEvenWithinTolerance() {
    ParityReport r = ParityCheck.compare(
        new float[][] {{1f, 1.00001f}}, new float[][] {{1.00001f, 1f}}, "ref");
    assertTrue(r.maxRelDiff() <= ParityCheck.TOLERANCE);
    assertEquals(0, r.top1Agreements());
    assertFalse(r.passed());
  }

  @Test
  void notANumberNeverPasses() {
    ParityReport r = ParityCheck.compare(
        new float[][] {{1f, 2f}}, new float[][] {{Float.NaN, 2f}}, "ref");
    assertFalse(r.passed());
  }
}
