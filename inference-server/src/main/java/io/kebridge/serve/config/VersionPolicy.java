package io.kebridge.serve.config;

import io.kebridge.serve.ServeException;
import java.util.Locale;

/**
 * Which versions of a model are served when its {@code config.pbtxt} sets no {@code
 * version_policy}: every version, or the highest only.
 */
public enum VersionPolicy {
  ALL,
  LATEST;

  /** Parses {@code all} or {@code latest}. */
  public static VersionPolicy parse(String text) {
    try {
      return valueOf(text.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw ServeException.invalidSetting("unknown model version policy '" + text
          + "', expected all or latest");
    }
  }
}
