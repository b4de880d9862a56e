package io.kebridge.onnx;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * python3 as an independent peer of the tests (the official ONNX checker, ONNX Runtime's own
 * quantiser): runs a script or a {@code -c} snippet and says whether a set of modules imports,
 * asking each question once per JVM since starting Python takes a second.
 */
public final class Python {
  private static final Map<String, Boolean> AVAILABLE = new HashMap<>();

  private Python() {}

  /** What a run printed (stdout and stderr together) and its exit status; -1 when it never ran. */
  public record Result(int exit, String output) {}

  /**
   * True when python3 imports {@code modules} (for example {@code "onnx, onnxruntime"}); prints a
   * note on stderr the first time it does not, so a skipped test is never silent.
   */
  public static synchronized boolean has(String modules) {
    return AVAILABLE.computeIfAbsent(modules, m -> {
      boolean ok = run("-c", "import " + m).exit() == 0;
      if (!ok) {
        System.err.println("note: python3 with " + m + " is not installed (pip install "
            + m.replace(",", "") + "); the tests that use it are skipped");
      }
      return ok;
    });
  }

  /** Runs {@code python3 args...} with a two-minute limit. */
  public static Result run(String... args) {
    List<String> cmd = new ArrayList<>(List.of("python3"));
    cmd.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      return new Result(-1, "python3 cannot be started: " + e.getMessage());
    }
    try {
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, "python3 timed out");
      }
      return new Result(p.exitValue(),
          new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(-1, e.getMessage());
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }
}
