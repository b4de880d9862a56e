package io.kebridge.training.ke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.training.TrainingException;
import io.kebridge.training.optim.LrSchedule;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class KeConfigTest {

  @Test
  void defaultsFollowTheReferenceRecipe() {
    KeConfig c = KeConfig.builder().build();
    assertEquals(0.9, c.momentum());
    assertEquals(1e-4, c.weightDecay());
    assertEquals(0.1, c.labelSmoothing());
    assertEquals("kels:0.5", c.split());
    assertEquals(ReinitRule.REFERENCE, c.reinit());
    assertEquals(LrSchedule.Kind.COSINE, c.schedule());
    assertEquals(32, c.batchSize());
  }

  @Test
  void jsonRoundTripKeepsEveryValue() {
    KeConfig c =
        KeConfig.builder().dataset("digits").generations(5).split("wels:0.3").redrawSplit(true)
            .baselines(List.of(Baseline.LONG)).reinit(ReinitRule.ZERO).seed(9).build();
    assertEquals(c, KeConfig.fromJson(c.toJson()));
  }

  @Test
  void yamlFileFillsABuilderWithCaseInsensitiveEnums(@TempDir Path tmp) throws Exception {
    Path f = tmp.resolve("c.yml");
    Files.writeString(f, "architecture: resnet18\nschedule: step\nbaselines: [long, slim-scratch]\n");
    KeConfig c = KeConfig.read(f).epochs(2).build();
    assertEquals("resnet18", c.architecture());
    assertEquals(LrSchedule.Kind.STEP, c.schedule());
    assertEquals(List.of(Baseline.LONG, Baseline.SLIM_SCRATCH), c.baselines());
    assertEquals(2, c.epochs());
  }

  @Test
  void invalidCombinationsNameTheProblem() {
    TrainingException redraw =
        assertThrows(TrainingException.class,
            () -> KeConfig.builder().split("kels:0.5").redrawSplit(true).build());
    assertTrue(redraw.getMessage().contains("wels"), redraw.getMessage());
    TrainingException slim =
        assertThrows(TrainingException.class,
            () -> KeConfig.builder().split("wels:0.5")
                .baselines(List.of(Baseline.SLIM_SCRATCH)).build());
    assertTrue(slim.getMessage().contains("kels"), slim.getMessage());
    TrainingException arch =
        assertThrows(TrainingException.class, () -> KeConfig.builder().architecture("lenet").build());
    assertTrue(arch.getMessage().contains("small-cnn"), arch.getMessage());
  }
}
