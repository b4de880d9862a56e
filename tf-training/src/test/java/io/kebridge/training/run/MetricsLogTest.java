package io.kebridge.training.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.training.TrainingException;
import io.kebridge.training.ke.EpochMetrics;
import io.kebridge.training.ke.GenerationResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsLogTest {

  @Test
  void generationRecordsReadBackExactlyAndEpochLinesAreSkipped(@TempDir Path dir) {
    GenerationResult g1 = new GenerationResult(1, 0.75, 0.1, 3.5, 0.04, "w1", "m1");
    GenerationResult g2 = new GenerationResult(2, 0.8, null, 3.1, 0.02, "w2", "m2");
    Path file = dir.resolve("metrics.jsonl");
    MetricsLog.write(file, List.of(
        new EpochMetrics(1, 1, 1, 2.0, 0.3, 0.5, 0.1, 0.05, 1000, 1), g1, g2));
    assertEquals(List.of(g1, g2), MetricsLog.generations(file));
  }

  @Test
  void aBrokenLineIsNamedWithTheFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("metrics.jsonl");
    Files.writeString(file, "{\"type\":\"generation\",\"generation\":1}\n{oops\n");
    TrainingException e = assertThrows(TrainingException.class, () -> MetricsLog.generations(file));
    assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    assertThrows(TrainingException.class, () -> MetricsLog.generations(dir.resolve("none")));
  }
}
