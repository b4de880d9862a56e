package io.kebridge.training.ke;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.run.GenerationRecord;
import io.kebridge.training.results.KeResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API of the README's "training from Java code" example, run here in its own module (cli's
 * ReadmeWalkthroughTest compiles and runs the README's file itself, as a reader would).
 */
class JavaApiExampleTest {

  @Test
  void trainingFromJavaCodeRunsGenerationsAndReportsThem(@TempDir Path tmp) {
    List<String> shown = new ArrayList<>();
    // --- README example starts ---
    KeConfig config =
        KeConfig.builder()
            .dataset("digits")
            .architecture("small-cnn")
            .width(8)
            .generations(2)
            .epochs(1)
            .build();
    KeTrainer trainer = KeTrainer.create(config, tmp.resolve("digits-ke"));
    trainer.addListener(
        new TrainingListener() {
          @Override
          public void onGenerationEnd(GenerationRecord g) {
            shown.add(String.format("generation %d: dense %.3f, slim %.3f",
                g.generation(), g.denseAccuracy(), g.slimAccuracy()));
          }
        });
    KeResult result = trainer.run(); // trainer.cancel() from another thread stops it
    Path weights = result.runDirectory().resolve(result.last().weights());
    // --- README example ends ---
    assertEquals(2, shown.size());
    assertTrue(shown.get(1).startsWith("generation 2: dense 0."), shown.get(1));
    assertTrue(Files.isRegularFile(weights));
    assertTrue(result.last().denseAccuracy() > 0.3, "digits are learnt in one epoch");
  }
}
