package io.kebridge.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ke-serve parses with picocli, answers --help, and reports failures by status, not exit. */
class ServerMainTest {
  @TempDir Path dir;

  private static int run(StringWriter out, StringWriter err, String... args) {
    return ServerMain.run(args, Map.of(), new PrintWriter(out, true), new PrintWriter(err, true));
  }

  @Test
  void helpListsEverySettingWithTritonsAliases() {
    StringWriter out = new StringWriter();
    assertEquals(0, run(out, new StringWriter(), "--help"));
    for (String option : new String[] {"--grpc-port", "--http-port", "--model-repository",
        "--model-control-mode", "--load-model", "--[no-]grpc", "--warmup-max-batch-size",
        "--max-request-bytes", "--config"}) {
      assertTrue(out.toString().contains(option), option + " missing in\n" + out);
    }
  }

  @Test
  void usageErrorsAndStartFailuresAreStatusesWithOneMessage() {
    StringWriter err = new StringWriter();
    assertEquals(2, run(new StringWriter(), err, dir.toString(), "--colour", "red"));
    assertTrue(err.toString().contains("--colour"), err.toString());
    err = new StringWriter();
    assertEquals(2, run(new StringWriter(), err, dir.toString(), "--port", "-1"));
    assertTrue(err.toString().contains("port"), err.toString());
    err = new StringWriter();
    assertEquals(1, run(new StringWriter(), err, dir.resolve("missing").toString(), "--port", "0",
        "--grpc-port", "0"));
    assertTrue(err.toString().startsWith("ke-serve: error:") && err.toString().contains("missing"),
        err.toString());
  }
}
