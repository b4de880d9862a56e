package io.kebridge.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * tf-training's packages depend on each other without cycles (read from the sources' imports):
 * results depends on nothing else here, the trainer does not know the report or the sweeps.
 */
class PackageDependenciesTest {
  private static final Pattern IMPORT =
      Pattern.compile("^import (?:static )?io\\.kebridge\\.training\\.([a-z]+)\\.", Pattern.MULTILINE);

  static Map<String, Set<String>> dependencies() throws IOException {
    Path root = Path.of("src/main/java/io/kebridge/training");
    Map<String, Set<String>> deps = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        Path rel = root.relativize(f);
        if (rel.getNameCount() < 2) {
          continue; // the root package: the module's exception type
        }
        String pkg = rel.getName(0).toString();
        Set<String> d = deps.computeIfAbsent(pkg, k -> new TreeSet<>());
        Matcher m = IMPORT.matcher(Files.readString(f));
        while (m.find()) {
          if (!m.group(1).equals(pkg)) {
            d.add(m.group(1));
          }
        }
      }
    }
    return deps;
  }

  @Test
  void packagesFormNoCycle() throws IOException {
    Map<String, Set<String>> deps = dependencies();
    assertTrue(deps.containsKey("results") && deps.containsKey("ke"), deps.toString());
    assertEquals(Set.of(), deps.get("results"), "results depends on nothing else");
    assertTrue(!deps.get("ke").contains("report") && !deps.get("ke").contains("sweep"),
        "the trainer knows neither the report nor the sweeps: " + deps.get("ke"));
    for (String start : deps.keySet()) {
      List<String> path = new ArrayList<>(List.of(start));
      assertNoCycle(deps, start, path);
    }
  }

  private static void assertNoCycle(Map<String, Set<String>> deps, String at, List<String> path) {
    for (String next : deps.getOrDefault(at, Set.of())) {
      assertTrue(!path.contains(next), "package cycle: " + path + " -> " + next);
      path.add(next);
      assertNoCycle(deps, next, path);
      path.remove(path.size() - 1);
    }
  }
}
