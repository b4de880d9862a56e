package io.kebridge.serve.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kebridge.models.io.JsonErrors;
import io.kebridge.serve.ServeException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Layers the server's settings: defaults, then a JSON config file ({@code {"port": 8080,
 * "max-batch-size": 16, "load-model": ["a", "b"]}}), then environment variables ({@code
 * KE_SERVE_PORT}, {@code KE_SERVE_MAX_BATCH_SIZE}, {@code KE_SERVE_TOKEN}, ...), then explicit
 * options such as command-line flags. Later layers win, so a deployment can override a shipped
 * file. Keys are those of {@link ServerSetting} (or their Triton aliases).
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
    for (ServerSetting s : ServerSetting.values()) {
      String value = env.get(s.envName());
      if (value != null) {
        s.apply(builder, value);
      }
    }
    return builder;
  }

  private static void applyFile(ServerConfig.Builder builder, Path file) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw ServeException.invalidSetting(JsonErrors.sentence("server config", file, e));
    }
    if (root == null || !root.isObject()) {
      throw ServeException.invalidSetting("server config " + file + " must hold one JSON object");
    }
    for (Map.Entry<String, JsonNode> e : root.properties()) {
      ServerSetting setting = ServerSetting.byName(e.getKey()).orElseThrow(() ->
          ServeException.invalidSetting("unknown server setting '" + e.getKey() + "' in " + file
              + ", expected one of " + ServerConfig.KEYS));
      String value = text(file, e.getKey(), e.getValue());
      if (setting == ServerSetting.REPOSITORY) {
        // A relative repository in a file is relative to the file, not to where the server starts.
        value = file.toAbsolutePath().getParent().resolve(value).normalize().toString();
      }
      try {
        setting.apply(builder, value);
      } catch (ServeException bad) {
        throw ServeException.invalidSetting("server config " + file + ": "
            + bad.getMessage().replaceFirst("^invalid server setting: ", ""));
      }
    }
  }

  private static String text(Path file, String key, JsonNode v) {
    if (v.isArray()) {
      List<String> parts = new ArrayList<>();
      for (JsonNode item : v) {
        if (!item.isValueNode()) {
          throw ServeException.invalidSetting("server config " + file + ": " + key
              + " must hold plain values");
        }
        parts.add(item.asText());
      }
      return String.join(",", parts);
    }
    if (!v.isValueNode()) {
      throw ServeException.invalidSetting("server config " + file + ": " + key
          + " must be a plain value or a list");
    }
    return v.asText();
  }
}
