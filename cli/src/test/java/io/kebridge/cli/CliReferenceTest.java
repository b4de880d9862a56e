package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The generated CLI reference and the shell completion follow the command tree. */
class CliReferenceTest {

  @Test
  void docsCliMdIsWhatTheCommandsPrint() throws Exception {
    Path committed = Path.of("..", "docs", "cli.md");
    CliRun r = CliRun.of("reference");
    assertEquals(0, r.exitCode(), r.err());
    assertEquals(r.out(), Files.readString(committed),
        "docs/cli.md is out of date: regenerate it with ./ke reference --out docs/cli.md");
    for (String command : new String[] {"## ke eval", "## ke bench infer", "## ke completion"}) {
      assertTrue(r.out().contains(command), command);
    }
    assertTrue(!r.out().contains("## ke reference"), "the generator itself is hidden");
  }

  @Test
  void bashCompletionIsValidAndKnowsTheCommandsAndArchitectures(@TempDir Path dir)
      throws Exception {
    CliRun r = CliRun.of("completion", "bash");
    assertEquals(0, r.exitCode(), r.err());
    Path script = dir.resolve("ke.bash");
    Files.writeString(script, r.out());
    assertTrue(r.out().contains("\"densenet169\""), "architecture values");
    String probe = "source " + script + "; COMP_WORDS=(ke ev); COMP_CWORD=1; COMP_LINE='ke ev';"
        + " COMP_POINT=5; _picocli_ke; echo \"${COMPREPLY[*]}\"";
    Process p = new ProcessBuilder("bash", "-c", probe).redirectErrorStream(true).start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    String out = new String(p.getInputStream().readAllBytes()).strip();
    assertEquals(0, p.exitValue(), out);
    assertEquals("eval", out);
    CliRun zsh = CliRun.of("completion", "zsh");
    assertTrue(zsh.out().startsWith("autoload -U +X compinit"), zsh.out());
    assertEquals(2, CliRun.of("completion", "fish").exitCode());
  }
}
