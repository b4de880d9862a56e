package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.run.RunDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImportCommandTest {

  @Test
  void importChecksTheNetworkOnTensorFlowAndWritesASpecFolder(@TempDir Path dir) {
    Path run = TestRuns.write(dir.resolve("run"), "kels:0.5", null);
    Path file = dir.resolve("m.onnx");
    assertEquals(0, CliRun.of("export", run.toString(), "--out", file.toString(), "--no-verify")
        .exitCode());
    Path out = dir.resolve("imported");
    CliRun r = CliRun.of("import", file.toString(), "--out", out.toString());
    assertEquals(0, r.exitCode(), r.err());
    assertTrue(r.out().contains("import check"), r.out());
    assertTrue(r.out().contains("PASS"), r.out());
    RunDirectory d = RunDirectory.open(out);
    assertEquals(RunDirectory.open(run).spec(), d.spec());
    assertEquals(TestRuns.DIGITS.train().classNames(), d.card().labels());
    assertTrue(Files.isRegularFile(d.weightsFile()));
  }

  @Test
  void aFileThatIsNotOnnxFailsWithOneClearLine(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("x.onnx");
    Files.writeString(file, "hello");
    CliRun r = CliRun.of("import", file.toString(), "--out", dir.resolve("o").toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().startsWith("ke: error: ") && r.err().contains("not an ONNX model"), r.err());
    assertFalse(Files.exists(dir.resolve("o")));
  }

  @Test
  void aNonEmptyTargetIsRefusedBeforeReading(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("keep.txt"), "x");
    CliRun r = CliRun.of("import", dir.resolve("none.onnx").toString(), "--out", dir.toString());
    assertEquals(1, r.exitCode());
    assertTrue(r.err().contains("not empty"), r.err());
  }
}
