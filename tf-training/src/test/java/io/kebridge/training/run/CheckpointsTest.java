package io.kebridge.training.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.training.TrainingException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointsTest {

  private static void fakeVariables(Path prefix) {
    try {
      Files.writeString(prefix.resolveSibling(prefix.getFileName() + ".index"), "index");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void aCheckpointInterruptedBeforeItsPointerSwitchIsNeverResumedFrom(@TempDir Path run)
      throws IOException {
    Checkpoints c = new Checkpoints(run);
    assertFalse(c.exists());
    c.write("g001-e0001", CheckpointsTest::fakeVariables, "{\"generation\":1}");
    // a crash while writing the next one: folder half there, pointer not switched
    Files.createDirectories(run.resolve("checkpoints/g001-e0002"));
    Files.writeString(run.resolve("checkpoints/g001-e0002/variables.index"), "partial");
    Checkpoints.Checkpoint latest = c.latest();
    assertEquals("g001-e0001", latest.folder().getFileName().toString());
    assertEquals("{\"generation\":1}", latest.state());
  }

  @Test
  void writingANewCheckpointRemovesTheOlderOnes(@TempDir Path run) {
    Checkpoints c = new Checkpoints(run);
    c.write("g001-e0001", CheckpointsTest::fakeVariables, "{}");
    c.write("g001-e0002", CheckpointsTest::fakeVariables, "{}");
    assertFalse(Files.exists(run.resolve("checkpoints/g001-e0001")));
    assertTrue(Files.exists(run.resolve("checkpoints/g001-e0002/state.json")));
  }

  @Test
  void anIncompleteCheckpointNamesTheMissingFile(@TempDir Path run) throws IOException {
    Checkpoints c = new Checkpoints(run);
    c.write("g002-e0000", CheckpointsTest::fakeVariables, "{}");
    Files.delete(run.resolve("checkpoints/g002-e0000/variables.index"));
    TrainingException e = assertThrows(TrainingException.class, c::latest);
    assertTrue(e.getMessage().contains("variables.index is missing"), e.getMessage());
  }
}
