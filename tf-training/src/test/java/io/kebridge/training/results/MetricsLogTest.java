package io.kebridge.training.results;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.run.GenerationRecord;
import io.kebridge.training.TrainingException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MetricsLogTest {

  static EpochMetrics epoch(int g, int e) {
    return new EpochMetrics(g, e, e, 2.0, 0.3, 0.5, 0.1, 100, 0.05, 1000, 0.2, 1);
  }

  @Test
  void recordsReadBackExactlyInTheOrderTheyHappened(@TempDir Path dir) throws Exception {
    GenerationRecord g1 = new GenerationRecord(1, "kels:0.5", 0.75, 0.1, 3.5, 0.04, "w1", "m1");
    GenerationRecord g2 = new GenerationRecord(2, "kels:0.5", 0.8, null, 3.1, 0.02, "w2", "m2");
    Path file = dir.resolve(MetricsLog.FILE);
    MetricsLog.write(file, List.of(epoch(1, 1), epoch(2, 1)), List.of(g1, g2), null);
    List<String> lines = Files.readAllLines(file);
    assertEquals(4, lines.size());
    assertTrue(lines.get(1).startsWith("{\"type\":\"generation\",\"generation\":1"), lines.get(1));
    MetricsLog.Contents c = MetricsLog.read(file);
    assertEquals(List.of(g1, g2), c.generations());
    assertEquals(List.of(epoch(1, 1), epoch(2, 1)), c.epochs());
    assertFalse(c.finished());
    assertEquals(2 + 0.04 + 0.02, c.seconds(), 1e-9, "epoch seconds plus KE steps");

    MetricsLog.write(file, List.of(epoch(1, 1), epoch(2, 1)), List.of(g1, g2), 9.5);
    MetricsLog.Contents done = MetricsLog.read(file);
    assertTrue(done.finished());
    assertEquals(9.5, done.seconds());
    assertEquals(List.of(g1, g2), MetricsLog.generations(file));
  }

  @Test
  void aBrokenLineIsNamedWithTheFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("metrics.jsonl");
    Files.writeString(file, "{\"type\":\"generation\",\"generation\":1}\n{oops\n");
    TrainingException e = assertThrows(TrainingException.class, () -> MetricsLog.generations(file));
    assertTrue(e.getMessage().contains("line 2"), e.getMessage());
    Files.writeString(file, "{\"type\":\"epoch\",\"generation\":1}\n{\"type\":\"weather\"}\n");
    TrainingException t = assertThrows(TrainingException.class, () -> MetricsLog.read(file));
    assertTrue(t.getMessage().contains("line 2") && t.getMessage().contains("weather"),
        t.getMessage());
    assertThrows(TrainingException.class, () -> MetricsLog.generations(dir.resolve("none")));
  }
}
