package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The docs check: every {@code ./ke ...} line in the README's code blocks must parse against the
 * real command tree, so a renamed command or option breaks the build instead of the README.
 */
class ReadmeCommandsTest {

  static List<String[]> readmeCommands() throws Exception {
    Path readme = Path.of("..", "README.md");
    List<String[]> commands = new ArrayList<>();
    boolean inCode = false;
    for (String line : Files.readAllLines(readme)) {
      if (line.startsWith("```")) {
        inCode = !inCode;
      } else if (inCode && line.startsWith("./ke ")) {
        String cmd = line.substring("./ke ".length()).replaceAll("\\s+#.*$", "").trim();
        commands.add(cmd.split("\\s+"));
      }
    }
    return commands;
  }

  @Test
  void everyCommandInTheReadmeParses() throws Exception {
    List<String[]> commands = readmeCommands();
    assertFalse(commands.isEmpty(), "the README shows no ./ke command");
    for (String[] args : commands) {
      assertDoesNotThrow(
          () -> new CommandLine(new Main()).parseArgs(args),
          "README command does not parse: ke " + String.join(" ", Arrays.asList(args)));
    }
  }
}
