package io.kebridge.serve.config;

import io.kebridge.serve.ServeException;
import java.util.Locale;

/** Which versions of a model in the repository are served: every version, or the highest only. */
public enum VersionPolicy {
  ALL,
  LATEST;

  /** Parses {@code all} or {@code latest}. */
  public static VersionPolicy parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new ServeException(400, "unknown model version policy '" + text
          + "', expected all or latest", e);
    }
  }
}
