package io.kebridge.models.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** File-system steps tests share: copying a run, slim or imported folder to damage or reuse it. */
public final class TestFiles {
  private TestFiles() {}

  /** Copies the folder {@code from}, sub-folders included, to {@code to}; returns {@code to}. */
  public static Path copyTree(Path from, Path to) throws IOException {
    List<Path> paths;
    try (Stream<Path> s = Files.walk(from)) {
      paths = s.toList();
    }
    for (Path p : paths) {
      Path t = to.resolve(from.relativize(p).toString());
      if (Files.isDirectory(p)) {
        Files.createDirectories(t);
      } else {
        Files.copy(p, t);
      }
    }
    return to;
  }
}
