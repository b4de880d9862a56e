package io.kebridge.serve.config;

import io.kebridge.serve.ServeException;
import java.util.Locale;

/**
 * How the served models follow the repository folder, as Triton's {@code --model-control-mode}:
 * {@code none} loads everything once at start; {@code poll} also rescans the folder every poll
 * interval and loads, replaces and unloads what changed; {@code explicit} loads only the models
 * named by {@code load-model} at start and then what clients ask for through the repository API
 * ({@code POST /v2/repository/models/NAME/load} and {@code /unload}).
 */
public enum ModelControlMode {
  NONE,
  POLL,
  EXPLICIT;

  /** Parses {@code none}, {@code poll} or {@code explicit}. */
  public static ModelControlMode parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ServeException.invalidSetting("unknown model control mode '" + text
          + "', expected none, poll or explicit");
    }
  }

  /** The name as the option takes it. */
  public String text() {
    return name().toLowerCase(Locale.ROOT);
  }
}
