package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.run.RunDirectory;
import io.kebridge.training.ke.KeConfig;
import io.kebridge.training.ke.KeTrainer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end: a real (tiny) KE run of several generations on a ResNet, then {@code ke prune} on
 * each generation must measure exactly the slim accuracy the trainer logged for it.
 */
class PruneAfterKeRunTest {

  @Test
  void slimAccuracyReportedByPruneEqualsTheTrainersForEveryGeneration(@TempDir Path tmp) {
    Path runDir = tmp.resolve("run");
    KeConfig config = KeConfig.builder().dataset("digits").perClass(20).architecture("resnet18")
        .width(4).generations(3).epochs(1).seed(7).build();
    KeTrainer.create(config, runDir).run();
    RunDirectory run = RunDirectory.open(runDir);
    assertEquals(3, run.latestGeneration());

    for (int g = 1; g <= 3; g++) {
      String logged = run.generationWeights(g).metadata().get("slim_accuracy");
      Path out = tmp.resolve("slim-" + g);
      CliRun r = CliRun.of("prune", runDir.toString(), "--generation", Integer.toString(g),
          "--out", out.toString());
      assertEquals(0, r.exitCode(), r.err());
      assertTrue(r.out().contains("trainer logged " + logged + " for generation " + g + ": equal"),
          r.out());
      assertEquals(Double.parseDouble(logged), RunDirectory.open(out).card().accuracy(), 1e-12);
    }
  }
}
