package io.kebridge.serve.repository;

import io.kebridge.modelconfig.ModelConfigText;
import io.kebridge.modelconfig.proto.ModelConfig;
import java.nio.file.Path;
import java.util.NavigableMap;
import java.util.Optional;

/**
 * One model folder of the repository as found on disk: its {@code config.pbtxt} when there is one
 * (or why it could not be read) and the versions its version policy selects.
 *
 * @param config the parsed config, or null when the folder has no {@code config.pbtxt}
 * @param configError why the config could not be read, or null
 */
public record ModelEntry(String name, Path dir, ModelConfigText.Parsed config, String configError,
    NavigableMap<Long, ModelFiles> versions) {

  /** The configuration written in the file, if there is a readable one. */
  public Optional<ModelConfig> fileConfig() {
    return config == null ? Optional.empty() : Optional.of(config.config());
  }
}
