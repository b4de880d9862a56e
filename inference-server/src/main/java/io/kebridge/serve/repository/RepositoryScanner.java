package io.kebridge.serve.repository;

import io.kebridge.modelconfig.ModelConfigException;
import io.kebridge.modelconfig.ModelConfigText;
import io.kebridge.modelconfig.proto.ModelConfig;
import io.kebridge.modelconfig.proto.ModelVersionPolicy;
import io.kebridge.serve.ServeException;
import io.kebridge.serve.config.VersionPolicy;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Lists the models of a Triton-layout repository: {@code ROOT/NAME/VERSION/FILE} with an optional
 * {@code ROOT/NAME/config.pbtxt} whose {@code default_model_filename} names FILE (default {@code
 * model.onnx}) and whose {@code version_policy} picks the versions (default: the server's).
 * Names must be plain ({@link #NAME}) and versions positive integers; anything else is skipped, so
 * a stray folder never breaks serving.
 */
public final class RepositoryScanner {
  /** What a model name may look like: no separators, no leading dot. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  /** The config file of a model folder. */
  public static final String CONFIG_FILE = "config.pbtxt";
  /** The model file of a version folder unless the config names another. */
  public static final String DEFAULT_MODEL_FILE = "model.onnx";
  private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");

  private final Path root;
  private final VersionPolicy defaultPolicy;

  /** A scanner of {@code root}; {@code defaultPolicy} applies to models whose config sets none. */
  public RepositoryScanner(Path root, VersionPolicy defaultPolicy) {
    this.root = root;
    this.defaultPolicy = defaultPolicy;
  }

  /** The names of the model folders there now. */
  public List<String> names() {
    checkRoot();
    List<String> names = new ArrayList<>();
    for (Path dir : list(root)) {
      String name = dir.getFileName().toString();
      if (NAME.matcher(name).matches() && Files.isDirectory(dir)) {
        names.add(name);
      }
    }
    return names;
  }

  /** The models whose names {@code wanted} accepts, by name. */
  public Map<String, ModelEntry> scan(Predicate<String> wanted) {
    Map<String, ModelEntry> found = new TreeMap<>();
    for (String name : names()) {
      if (wanted.test(name)) {
        found.put(name, entry(name));
      }
    }
    return found;
  }

  private ModelEntry entry(String name) {
    Path dir = root.resolve(name);
    Path configFile = dir.resolve(CONFIG_FILE);
    ModelConfigText.Parsed parsed = null;
    String error = null;
    if (Files.isRegularFile(configFile)) {
      try {
        parsed = ModelConfigText.parse(Files.readString(configFile, StandardCharsets.UTF_8),
            name + "/" + CONFIG_FILE);
      } catch (IOException e) {
        error = "cannot read " + configFile + ": " + e.getMessage();
      } catch (ModelConfigException e) {
        error = e.getMessage();
      }
    }
    ModelConfig config = parsed == null ? ModelConfig.getDefaultInstance() : parsed.config();
    String file = config.getDefaultModelFilename().isEmpty() ? DEFAULT_MODEL_FILE
        : config.getDefaultModelFilename();
    TreeMap<Long, ModelFiles> versions = new TreeMap<>();
    if (error == null && (file.contains("/") || file.contains("\\") || file.equals(".."))) {
      error = name + "/" + CONFIG_FILE + ": default_model_filename '" + file
          + "' must be a plain file name";
    }
    if (error == null) {
      for (Path versionDir : list(dir)) {
        String v = versionDir.getFileName().toString();
        Path onnx = versionDir.resolve(file);
        if (!VERSION.matcher(v).matches() || !Files.isRegularFile(onnx)) {
          continue;
        }
        String fingerprint = fingerprint(onnx) + "|" + fingerprint(configFile);
        versions.put(Long.parseLong(v), new ModelFiles(name, Long.parseLong(v), onnx, configFile,
            fingerprint));
      }
    }
    return new ModelEntry(name, dir, parsed, error, select(versions, config));
  }

  private NavigableMap<Long, ModelFiles> select(TreeMap<Long, ModelFiles> versions,
      ModelConfig config) {
    if (versions.isEmpty()) {
      return versions;
    }
    ModelVersionPolicy p = config.getVersionPolicy();
    switch (p.getPolicyChoiceCase()) {
      case ALL:
        return versions;
      case SPECIFIC: {
        TreeMap<Long, ModelFiles> picked = new TreeMap<>();
        p.getSpecific().getVersionsList().forEach(v -> {
          if (versions.containsKey(v)) {
            picked.put(v, versions.get(v));
          }
        });
        return picked;
      }
      case LATEST: {
        int n = Math.max(1, p.getLatest().getNumVersions());
        TreeMap<Long, ModelFiles> picked = new TreeMap<>();
        for (var e : versions.descendingMap().entrySet()) {
          if (picked.size() == n) {
            break;
          }
          picked.put(e.getKey(), e.getValue());
        }
        return picked;
      }
      default:
        if (defaultPolicy == VersionPolicy.ALL) {
          return versions;
        }
        var last = versions.lastEntry();
        return new TreeMap<>(Map.of(last.getKey(), last.getValue()));
    }
  }

  private void checkRoot() {
    if (!Files.isDirectory(root)) {
      throw ServeException.internal("model repository " + root + " is not a folder", null);
    }
  }

  private static List<Path> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return new ArrayList<>(s.sorted().toList());
    } catch (IOException e) {
      throw ServeException.internal("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  private static String fingerprint(Path file) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return a.size() + "@" + a.lastModifiedTime().toMillis() + "#" + a.fileKey();
    } catch (IOException e) {
      return "absent";
    }
  }
}
