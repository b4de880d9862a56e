package io.kebridge.serve.repository;

import io.kebridge.serve.ServeException;
import io.kebridge.serve.config.VersionPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Lists the model versions of a Triton-layout repository: {@code ROOT/NAME/VERSION/model.onnx}
 * with an optional {@code ROOT/NAME/config.pbtxt}. Names must be plain ({@link #NAME}) and
 * versions positive integers; anything else is skipped, so a stray folder never breaks serving.
 */
public final class RepositoryScanner {
  /** What a model name may look like: no separators, no leading dot. */
  public static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final Pattern VERSION = Pattern.compile("[1-9][0-9]{0,17}");

  private final Path root;
  private final VersionPolicy policy;

  /** A scanner of {@code root} that keeps all versions or the latest per model. */
  public RepositoryScanner(Path root, VersionPolicy policy) {
    this.root = root;
    this.policy = policy;
  }

  /** The versions to serve now, by model name and then version. */
  public Map<String, TreeMap<Long, ModelFiles>> scan() {
    if (!Files.isDirectory(root)) {
      throw ServeException.internal("model repository " + root + " is not a folder", null);
    }
    Map<String, TreeMap<Long, ModelFiles>> found = new TreeMap<>();
    for (Path modelDir : list(root)) {
      String name = modelDir.getFileName().toString();
      if (!NAME.matcher(name).matches() || !Files.isDirectory(modelDir)) {
        continue;
      }
      Path config = modelDir.resolve("config.pbtxt");
      TreeMap<Long, ModelFiles> versions = new TreeMap<>();
      for (Path versionDir : list(modelDir)) {
        String v = versionDir.getFileName().toString();
        Path onnx = versionDir.resolve("model.onnx");
        if (!VERSION.matcher(v).matches() || !Files.isRegularFile(onnx)) {
          continue;
        }
        String fingerprint = fingerprint(onnx) + "|" + fingerprint(config);
        versions.put(Long.parseLong(v), new ModelFiles(name, Long.parseLong(v), onnx, config,
            fingerprint));
      }
      if (versions.isEmpty()) {
        continue;
      }
      if (policy == VersionPolicy.LATEST) {
        var last = versions.lastEntry();
        versions = new TreeMap<>(Map.of(last.getKey(), last.getValue()));
      }
      found.put(name, versions);
    }
    return found;
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
