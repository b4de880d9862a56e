package io.kebridge.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.testing.TestFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every file the CLI reads as JSON or YAML, fed to it corrupt (empty, truncated, of the wrong
 * types, with numbers out of range, not UTF-8): each time the command fails with exit code 1 and
 * one line that names the file, never a stack trace or a parser's location dump.
 */
class HostileFilesTest {
  @TempDir static Path shared;
  static Path run;
  static Path slim;
  static Path sweep;

  @BeforeAll
  static void writeGoodFiles() {
    long t0 = System.nanoTime();
    run = shared.resolve("run");
    CliRun t = CliRun.of("train", "--data", "digits", "--arch", "small-cnn", "--width", "4",
        "--per-class", "5", "--generations", "1", "--epochs", "1", "--out", run.toString(),
        "--progress", "lines");
    assertEquals(0, t.exitCode(), t.err());
    slim = shared.resolve("slim");
    CliRun p = CliRun.of("prune", run.toString(), "--out", slim.toString(), "--skip-eval",
        "--no-latency");
    assertEquals(0, p.exitCode(), p.err());
    sweep = shared.resolve("sweep");
    CliRun s = CliRun.of("sweep", "--data", "digits", "--arch", "small-cnn", "--width", "4",
        "--per-class", "5", "--generations", "1", "--epochs", "1", "--emit", "kubernetes",
        "--image", "ke:test", "--volume", "claim", "--out", sweep.toString());
    assertEquals(0, s.exitCode(), s.err());
    System.err.printf("good files written in %.1f s%n", (System.nanoTime() - t0) / 1e9);
  }

  /** One corrupt file: which file of which folder, what it holds, and the command that reads it. */
  private record Case(String name, Path folder, String file, byte[] content,
      Function<Path, String[]> command) {}

  private static byte[] text(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Empty, cut in half, of the wrong type, with a number out of range, and not UTF-8. */
  private static List<Case> variants(String what, Path folder, String file, String wrongTypes,
      String hugeNumber, Function<Path, String[]> command) throws IOException {
    List<Case> all = new ArrayList<>(List.of(
        new Case(what + " empty", folder, file, new byte[0], command)));
    all.addAll(damaged(what, folder, file, wrongTypes, hugeNumber, command));
    return all;
  }

  /**
   * {@link #variants} but empty, for files where empty is valid: a config file without keys (the
   * defaults), a metrics log before the first epoch.
   */
  private static List<Case> damaged(String what, Path folder, String file, String wrongTypes,
      String hugeNumber, Function<Path, String[]> command) throws IOException {
    byte[] good = Files.readAllBytes(folder.resolve(file));
    byte[] half = new byte[good.length / 2];
    System.arraycopy(good, 0, half, 0, half.length);
    return List.of(
        new Case(what + " truncated", folder, file, half, command),
        new Case(what + " of wrong types", folder, file, text(wrongTypes), command),
        new Case(what + " with a huge number", folder, file, text(hugeNumber), command),
        new Case(what + " not UTF-8", folder, file, new byte[] {'{', '"', (byte) 0xC3, '"'},
            command));
  }

  private static String[] resume(Path dir) {
    return new String[] {"train", "--resume", dir.toString()};
  }

  private static String[] export(Path dir) {
    return new String[] {"export", dir.toString(), "--out", dir.resolve("x.onnx").toString(),
        "--no-verify"};
  }

  @TestFactory
  List<DynamicTest> everyCorruptFileIsOneLineThatNamesIt(@TempDir Path tmp) throws IOException {
    List<Case> cases = new ArrayList<>();
    cases.addAll(variants("config.json", run, "config.json", "{\"epochs\": \"many\"}",
        "{\"epochs\": 99999999999999999999}", HostileFilesTest::resume));
    cases.addAll(variants("checkpoints/latest.json", run, "checkpoints/latest.json",
        "[\"g001-e0001\"]", "{\"checkpoint\": 1e999}", HostileFilesTest::resume));
    cases.addAll(variants("spec.json", run, "spec.json",
        "{\"format_version\": \"two\", \"layers\": 3, \"output\": []}",
        "{\"format_version\": 2, \"architecture\": \"x\", \"output\": \"fc\", \"layers\": [{\"type\":"
            + " \"input\", \"name\": \"input\", \"shape\": {\"channels\": 1e12, \"height\": 8,"
            + " \"width\": 8}}]}", HostileFilesTest::export));
    // a valid spec whose input announces an image no machine holds (the weights still fit it)
    String huge = Files.readString(run.resolve("spec.json"))
        .replaceFirst("\"height\" : 8", "\"height\" : 65536")
        .replaceFirst("\"width\" : 8", "\"width\" : 65536");
    cases.add(new Case("spec.json with a 65536x65536 input", run, "spec.json", text(huge),
        dir -> new String[] {"eval", dir.toString(), "--data", "digits"}));
    cases.addAll(variants("card.json", run, "card.json", "{\"ke.labels\": {\"a\": 1}}",
        "{\"ke.input.shape\": \"[1, 99999999999, 8]\", \"ke.labels\": \"[]\"}",
        HostileFilesTest::export));
    cases.addAll(damaged("metrics.jsonl", run, "metrics.jsonl",
        "{\"type\": \"epoch\", \"loss\": \"low\"}", "{\"type\": \"epoch\", \"epoch\": 1e400}",
        dir -> new String[] {"compare", dir.toString()}));
    cases.addAll(variants("cost.json", slim, "cost.json", "{\"layers\": {\"a\": 1}}",
        "{\"layers\": [{\"layer\": \"a\", \"type\": \"conv\", \"dense\": {\"output\":"
            + " \"1x99999999999x1\"}}]}", dir -> new String[] {"info", dir.toString()}));
    cases.addAll(variants("plan.json", sweep, "plan.json", "{\"version\": 1, \"rows\": 7}",
        "{\"version\": 1e400}", dir -> new String[] {"sweep", "report", dir.toString()}));
    // a safetensors header: the 8-byte length, then JSON
    for (String header : new String[] {"", "{\"fc.weight\": {\"dtype\": \"F32\", \"shape\":"
        + " [99999999999, 2], \"data_offsets\": [0, 8]}}", "{\"fc.weight\": 3}", "{\"a\":"}) {
      byte[] h = text(header);
      ByteBuffer b = ByteBuffer.allocate(8 + h.length).order(ByteOrder.LITTLE_ENDIAN);
      b.putLong(h.length).put(h);
      cases.add(new Case("weights.safetensors header '" + header + "'", slim,
          "weights.safetensors", b.array(), HostileFilesTest::export));
    }
    Path files = Files.createDirectories(tmp.resolve("files"));
    Path yaml = Files.writeString(files.resolve("config.yaml"), "epochs: 2\n");
    cases.addAll(damaged("a --config YAML file", files, "config.yaml", "epochs: [1, 2]\n",
        "epochs: 1e999\n", dir -> new String[] {"train", "--config",
            dir.resolve("config.yaml").toString(), "--out", dir.resolve("out").toString()}));
    Path server = Files.writeString(files.resolve("server.json"), "{\"http-port\": 0}");
    cases.addAll(variants("a server config", files, "server.json", "{\"http-port\": {\"a\": 1}}",
        "{\"http-port\": 1e999}", dir -> new String[] {"serve", "--config",
            dir.resolve("server.json").toString()}));
    assertTrue(Files.exists(yaml) && Files.exists(server));

    List<DynamicTest> tests = new ArrayList<>();
    int[] n = {0};
    for (Case c : cases) {
      tests.add(DynamicTest.dynamicTest(c.name(), () -> {
        Path folder = TestFiles.copyTree(c.folder(), tmp.resolve("case-" + n[0]++));
        Path file = folder.resolve(c.file());
        Files.write(file, c.content());
        CliRun r = CliRun.of(c.command().apply(folder));
        assertEquals(1, r.exitCode(), c.name() + ": " + r.out() + r.err());
        String err = r.err().strip();
        assertEquals(1, err.lines().count(), c.name() + ": " + err);
        assertTrue(err.startsWith("ke: error: "), err);
        assertTrue(err.contains(file.toString()) || err.contains(c.file()),
            c.name() + " does not name the file: " + err);
        for (String leak : new String[] {"Exception", "at [Source", "\tat ", "No content to map",
            "(through reference chain"}) {
          assertFalse(err.contains(leak), c.name() + " leaks '" + leak + "': " + err);
        }
      }));
    }
    return tests;
  }
}
