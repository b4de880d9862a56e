package io.kebridge.serve.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kebridge.serve.ServeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Layers the server's settings: defaults, then a JSON config file ({@code {"port": 8080,
 * "max-batch-size": 16}}), then environment variables ({@code KE_SERVE_PORT},
 * {@code KE_SERVE_MAX_BATCH_SIZE}, {@code KE_SERVE_TOKEN}, ...), then explicit options such as
 * command-line flags. Later layers win, so a deployment can override a shipped file.
 */
public final class ConfigLoader {
  /** Prefix of the environment variables read. */
  public static final String ENV_PREFIX = "KE_SERVE_";

  private ConfigLoader() {}

  /**
   * Applies a config file (when not null) and the environment to {@code builder}; command-line
   * options are applied by the caller afterwards.
   */
  public static ServerConfig.Builder apply(
      ServerConfig.Builder builder, Path file, Map<String, String> env) {
    if (file != null) {
      applyFile(builder, file);
    }
    for (String key : ServerConfig.KEYS) {
      String value = env.get(envName(key));
      if (value != null) {
        builder.set(key, value);
      }
    }
    return builder;
  }

  /** The environment variable that overrides {@code key}. */
  public static String envName(String key) {
    return ENV_PREFIX + key.replace('-', '_').toUpperCase(Locale.ROOT);
  }

  private static void applyFile(ServerConfig.Builder builder, Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new ServeException(400, "cannot read server config " + file + ": " + e.getMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new ServeException(400, "server config " + file + " must hold one JSON object");
    }
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      if (!e.getValue().isValueNode()) {
        throw new ServeException(400, "server config " + file + ": " + e.getKey()
            + " must be a plain value");
      }
      String value = e.getValue().asText();
      if (e.getKey().equals("repository")) {
        // A relative repository in a file is relative to the file, not to where the server starts.
        Path dir = file.toAbsolutePath().getParent();
        value = dir.resolve(value).normalize().toString();
      }
      builder.set(e.getKey(), value);
    }
  }
}
