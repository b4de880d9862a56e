package io.kebridge.training.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kebridge.models.io.AtomicFiles;
import io.kebridge.models.io.Folders;
import io.kebridge.models.io.JsonErrors;
import io.kebridge.training.TrainingException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Resume checkpoints of a run: {@code checkpoints/NAME/} holds the TF variables ({@code
 * variables.index} and {@code .data}: parameters, masks, momentum) and {@code state.json} (where
 * the run stands, its metrics so far). {@code checkpoints/latest.json} names the valid one and is
 * replaced atomically only after the folder is complete, so a kill at any moment leaves a
 * checkpoint that can be resumed; older folders are deleted afterwards.
 */
public final class Checkpoints {
  /** File prefix of the TF variables inside a checkpoint folder. */
  public static final String VARIABLES = "variables";

  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path dir;

  /** The checkpoints of the run in {@code runDir}. */
  public Checkpoints(Path runDir) {
    this.dir = runDir.resolve("checkpoints");
  }

  public Path folder() {
    return dir;
  }

  /** A valid checkpoint: its folder and its state as JSON. */
  public record Checkpoint(Path folder, String state) {
    /** The prefix to restore the TF variables from. */
    public Path variables() {
      return folder.resolve(VARIABLES);
    }
  }

  /**
   * Writes checkpoint {@code name}: {@code saveVariables} receives the prefix to save to, then the
   * state is written and {@code latest.json} switched to it.
   */
  public Path write(String name, Consumer<Path> saveVariables, String state) {
    Path folder = dir.resolve(name);
    try {
      if (Files.exists(folder)) {
        Folders.deleteTree(folder);
      }
      Files.createDirectories(folder);
    } catch (IOException e) {
      throw new TrainingException("cannot create checkpoint folder " + folder + ": "
          + e.getMessage(), e);
    }
    saveVariables.accept(folder.resolve(VARIABLES));
    AtomicFiles.writeString(folder.resolve("state.json"), state);
    AtomicFiles.writeString(
        dir.resolve("latest.json"), JSON.createObjectNode().put("checkpoint", name).toString());
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.toList()) {
        if (Files.isDirectory(p) && !p.getFileName().toString().equals(name)) {
          Folders.deleteTree(p);
        }
      }
    } catch (IOException e) {
      throw new TrainingException("cannot clean old checkpoints in " + dir + ": " + e.getMessage(),
          e);
    }
    return folder;
  }

  /** True when a checkpoint pointer exists (a run that can be resumed). */
  public boolean exists() {
    return Files.isRegularFile(dir.resolve("latest.json"));
  }

  /**
   * The checkpoint to resume from.
   *
   * @throws TrainingException saying what is missing or corrupt
   */
  public Checkpoint latest() {
    Path pointer = dir.resolve("latest.json");
    if (!Files.isRegularFile(pointer)) {
      throw new TrainingException(
          "no checkpoint to resume from: " + pointer + " is missing (the run never finished an "
              + "epoch, or this is not a training run directory)");
    }
    String name;
    try {
      JsonNode n = JSON.readTree(pointer.toFile());
      name = n == null || !n.path("checkpoint").isTextual() ? null
          : n.path("checkpoint").asText();
    } catch (IOException e) {
      throw new TrainingException(JsonErrors.sentence("checkpoint pointer", pointer, e)
          + "; delete the checkpoints folder to train the run again", e);
    }
    if (name == null || name.isBlank() || name.contains("/") || name.contains("..")) {
      throw new TrainingException("checkpoint pointer " + pointer + " names no valid checkpoint");
    }
    Path folder = dir.resolve(name);
    Path state = folder.resolve("state.json");
    for (Path needed : new Path[] {state, folder.resolve(VARIABLES + ".index")}) {
      if (!Files.isRegularFile(needed)) {
        throw new TrainingException("checkpoint " + folder + " is incomplete: " + needed.getFileName()
            + " is missing");
      }
    }
    try {
      return new Checkpoint(folder, Files.readString(state));
    } catch (IOException e) {
      throw new TrainingException("cannot read " + state + ": " + JsonErrors.describe(e), e);
    }
  }
}
