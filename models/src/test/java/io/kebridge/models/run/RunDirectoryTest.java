package io.kebridge.models.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.ModelException;
import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.card.NetworkKind;
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
    run.writeCard(new ModelCard("small-cnn", NetworkKind.DENSE, "kels:0.5", 0, List.of("0", "1"),
        spec.input().shape(), "NCHW", new float[] {0.3f}, new float[] {0.4f}, null, "v",
        Map.of("dataset", "digits")));
    Map<String, Mask> masks = new KelsPlan(0.5).masks(spec);
    for (int g = 1; g <= 2; g++) {
      run.writeGeneration(new GenerationRecord(g, "kels:0.5", 0.75, 0.5, 1, 0.1,
          RunDirectory.generationWeightsPath(g), RunDirectory.generationMasksPath(g)),
          WeightInit.heNormal(spec, g));
    }
    run.writeGenerationMasks(2, masks);

    RunDirectory back = RunDirectory.open(dir.resolve("run"));
    assertEquals(spec, back.spec());
    assertEquals("digits", back.card().extra().get("dataset"));
    assertEquals(List.of(1, 2), back.generations());
    assertEquals(2, back.latestGeneration());
    assertEquals("0.5", back.generationWeights(2).metadata().get("slim_accuracy"));
    GenerationRecord g2 = back.generation(2);
    assertEquals(0.75, g2.denseAccuracy());
    assertEquals(0.5, g2.slimAccuracy());
    assertEquals("kels:0.5", g2.split());
    assertTrue(back.generationWeightsFile(2).endsWith(g2.weights()), g2.weights());
    assertTrue(back.generationMasksFile(2).endsWith(g2.masks()), g2.masks());
    assertEquals(masks, back.generationMasks(2));
  }

  @Test
  void aGenerationRecordRoundTripsThroughWeightsMetadata() {
    GenerationRecord r = new GenerationRecord(3, "wels:0.5", 0.8125, null, 2, 0.2,
        RunDirectory.generationWeightsPath(3), RunDirectory.generationMasksPath(3));
    Map<String, String> m = r.toMetadata();
    assertEquals("0.8125", m.get(GenerationRecord.DENSE_ACCURACY_KEY));
    assertTrue(!m.containsKey(GenerationRecord.SLIM_ACCURACY_KEY), "no slim network, no key");
    assertEquals(r.withTimes(0, 0), GenerationRecord.fromMetadata(3, m));
    ModelException e = assertThrows(ModelException.class,
        () -> GenerationRecord.fromMetadata(1, Map.of("dense_accuracy", "high")));
    assertTrue(e.getMessage().contains("not a number"), e.getMessage());
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
