package io.kebridge.models.io;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A folder tree is removed whole; its siblings and a missing folder are left alone. */
class FoldersTest {
  @Test
  void deletesTheTreeAndNothingBeside(@TempDir Path dir) throws Exception {
    Path tree = dir.resolve("tree");
    Files.createDirectories(tree.resolve("a/b"));
    Files.writeString(tree.resolve("a/b/file.txt"), "x");
    Files.writeString(tree.resolve("top.txt"), "y");
    Files.writeString(dir.resolve("sibling.txt"), "z");
    Folders.deleteTree(tree);
    assertFalse(Files.exists(tree));
    assertTrue(Files.exists(dir.resolve("sibling.txt")));
    Folders.deleteTree(dir.resolve("missing")); // nothing to do, no error
  }
}
