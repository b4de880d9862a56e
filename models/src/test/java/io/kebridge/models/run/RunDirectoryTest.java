package io.kebridge.models.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.ModelException;
import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.split.Mask;
import io.kebridge.models.weights.WeightInit;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunDirectoryTest {

  @Test
  void aRunDirectoryHoldsSpecCardGenerationsAndMasks(@TempDir Path dir) {
    NetworkSpec spec = Architectures.build("small-cnn",
        new ArchitectureConfig(new ActivationShape(1, 8, 8), 10, 4, null));
    RunDirectory run = RunDirectory.create(dir.resolve("run"));
    run.writeSpec(spec);
    run.writeCard(new ModelCard("small-cnn", "dense", "kels:0.5", 0, List.of("0", "1"),
        spec.input().shape(), "NCHW", new float[] {0.3f}, new float[] {0.4f}, null, "v",
        Map.of("dataset", "digits")));
    Map<String, Mask> masks = new KelsPlan(0.5).masks(spec);
    for (int g = 1; g <= 2; g++) {
      run.writeGenerationWeights(g, WeightInit.heNormal(spec, g), Map.of("slim_accuracy", "0.5"));
    }
    run.writeGenerationMasks(2, masks);

    RunDirectory back = RunDirectory.open(dir.resolve("run"));
    assertEquals(spec, back.spec());
    assertEquals("digits", back.card().extra().get("dataset"));
    assertEquals(List.of(1, 2), back.generations());
    assertEquals(2, back.latestGeneration());
    assertEquals("0.5", back.generationWeights(2).metadata().get("slim_accuracy"));
    assertEquals(masks, back.generationMasks(2));
  }

  @Test
  void aFolderWithoutASpecIsNotARunDirectory(@TempDir Path dir) {
    ModelException e = assertThrows(ModelException.class, () -> RunDirectory.open(dir));
    assertTrue(e.getMessage().contains("no spec.json"), e.getMessage());
    ModelException m = assertThrows(ModelException.class,
        () -> RunDirectory.open(dir.resolve("absent")));
    assertTrue(m.getMessage().contains("does not exist"), m.getMessage());
  }
}
