package io.kebridge.training.ke;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import io.kebridge.models.ModelException;
import io.kebridge.models.card.SourceFile;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.run.StoredNetwork;
import io.kebridge.training.TrainingException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/**
 * The weights generation 1 of a run starts from ({@code ke train --init-from}): an imported or
 * slim folder, or a generation of a run folder. The config keeps the folder as given and, once
 * {@link #resolve resolved}, the weights file by name and SHA-256, so that {@code config.json}
 * says where the weights came from and a run that is resumed, swept or started again refuses a
 * folder whose weights changed.
 *
 * <p>In a config file {@code initFrom} is the folder ({@code initFrom: imported/resnet18}) or an
 * object with {@code path} and {@code generation}.
 *
 * @param path the folder, as given
 * @param generation the generation of a run folder to start from; 0 for a slim or imported
 *     folder's weights, or a run's last generation
 * @param file the weights file, by its folder's name and path inside it; null until resolved
 * @param sha256 that file's SHA-256; null until resolved
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = false)
@JsonPropertyOrder({"path", "generation", "file", "sha256"})
public record InitSource(String path, int generation, String file, String sha256) {

  public InitSource {
    if (path == null || path.isBlank()) {
      throw new TrainingException("initFrom needs the folder to start from");
    }
    if (generation < 0) {
      throw new TrainingException("initFrom's generation is 1 or more (0: the last), got "
          + generation);
    }
    if ((file == null) != (sha256 == null)) {
      throw new TrainingException("initFrom records its weights file with its sha256, or"
          + " neither");
    }
  }

  /** The folder {@code path} (its weights, or a run's last generation), not yet resolved. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static InitSource of(String path) {
    return new InitSource(path, 0, null, null);
  }

  @JsonCreator(mode = JsonCreator.Mode.PROPERTIES)
  static InitSource fromJson(@JsonProperty("path") String path,
      @JsonProperty("generation") Integer generation, @JsonProperty("file") String file,
      @JsonProperty("sha256") String sha256) {
    return new InitSource(path, generation == null ? 0 : generation, file, sha256);
  }

  /** Generation {@code g} of the run folder {@code path}. */
  public static InitSource of(String path, int generation) {
    return new InitSource(path, generation, null, null);
  }

  /** True once the weights file and its SHA-256 are known. */
  public boolean resolved() {
    return sha256 != null;
  }

  /** The weights file, as a {@link SourceFile}; null until resolved. */
  public SourceFile source() {
    return resolved() ? new SourceFile(file, sha256) : null;
  }

  /**
   * This source with its weights file named and hashed (read from the folder; already resolved
   * sources are checked against it).
   *
   * @throws TrainingException when the folder holds no network or its weights changed
   */
  public InitSource resolve() {
    SourceFile f = SourceFile.of(weightsFile(), folder().path());
    check(f);
    return new InitSource(path, generation, f.name(), f.sha256());
  }

  /**
   * Reads the network to start from, checking that its weights are the bytes this source
   * recorded (when resolved).
   *
   * @throws TrainingException when the folder is gone, holds no network or other weights
   */
  public StoredNetwork load() {
    StoredNetwork n;
    try {
      n = folder().network(generation == 0 ? null : generation);
    } catch (ModelException e) {
      throw new TrainingException("--init-from " + path + ": " + e.getMessage(), e);
    }
    check(n.source());
    return n;
  }

  private void check(SourceFile actual) {
    if (resolved() && !actual.sha256().equals(sha256)) {
      throw new TrainingException("--init-from " + path + ": " + actual.name() + " has sha256 "
          + actual.shortHash() + "..., the run was configured with " + file + " at sha256 "
          + source().shortHash() + "...; its weights changed, so the run would not start"
          + " from what it recorded");
    }
  }

  private Path weightsFile() {
    try {
      return folder().networkFile(generation == 0 ? null : generation);
    } catch (ModelException e) {
      throw new TrainingException("--init-from " + path + ": " + e.getMessage(), e);
    }
  }

  private RunDirectory folder() {
    Path dir;
    try {
      dir = Path.of(path);
    } catch (InvalidPathException e) {
      throw new TrainingException("--init-from '" + path + "' is not a valid path", e);
    }
    if (!Files.isDirectory(dir)) {
      throw new TrainingException("--init-from " + path + " does not exist (a folder from ke"
          + " import, ke prune or ke train is expected)");
    }
    try {
      return RunDirectory.open(dir);
    } catch (ModelException e) {
      throw new TrainingException("--init-from " + e.getMessage(), e);
    }
  }

  /** {@code imported/weights.safetensors (sha256 0123456789ab...)}, or the folder. */
  public String describe() {
    return resolved() ? source().describe() : path;
  }
}
