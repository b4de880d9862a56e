package io.kebridge.models.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Python as an independent peer in tests (the ONNX checker, ONNX Runtime's Python API, PyTorch):
 * runs {@code python3 -c CODE ARGS}, and skips a test with a visible note where python3 or a
 * package it needs is missing, never silently.
 */
public final class PythonPeer {
  private static final Map<String, Boolean> AVAILABLE = new ConcurrentHashMap<>();

  private PythonPeer() {}

  /** What a run printed (stdout and stderr together) and its exit code. */
  public record Result(int exit, String output) {}

  /**
   * Skips the calling test, with a note on stderr, unless python3 can import every module
   * ({@code import_name} or {@code import_name=pip-name} when they differ).
   */
  public static void assumeModules(String... modules) {
    List<String> missing = new ArrayList<>();
    for (String m : modules) {
      String module = m.contains("=") ? m.substring(0, m.indexOf('=')) : m;
      if (!AVAILABLE.computeIfAbsent(module, x -> run(importLine(x)).exit() == 0)) {
        missing.add(m.contains("=") ? m.substring(m.indexOf('=') + 1) : m);
      }
    }
    if (!missing.isEmpty()) {
      String note = "python3 with " + String.join(", ", missing) + " is not installed: this"
          + " cross-check against Python is skipped (pip install " + String.join(" ", missing)
          + ")";
      System.err.println("NOTE: " + note);
      Assumptions.assumeTrue(false, note);
    }
  }

  private static String importLine(String module) {
    // torchvision's CUDA wheels next to a CPU torch fail on their compiled ops, which the model
    // definitions never use
    return module.equals("torchvision") ? TORCHVISION + "print(torchvision.__version__)"
        : "import " + module;
  }

  /**
   * Python lines that import torchvision's model definitions even where its compiled operators
   * (detection ops) do not load, as with the CUDA wheel beside a CPU-only torch.
   */
  public static final String TORCHVISION = String.join("\n",
      "import sys, types",
      "import torch",
      "try:",
      "    import torchvision",
      "except RuntimeError:",
      "    for k in [k for k in sys.modules if k.startswith('torchvision')]:",
      "        del sys.modules[k]",
      "    sys.modules['torchvision._meta_registrations'] = "
          + "types.ModuleType('torchvision._meta_registrations')",
      "    import torchvision",
      "");

  /** Runs {@code python3 -c code args...} with a two-minute limit. */
  public static Result run(String code, String... args) {
    return run(120, code, args);
  }

  /** Runs {@code python3 -c code args...}, stopping it after {@code seconds}. */
  public static Result run(int seconds, String code, String... args) {
    List<String> cmd = new ArrayList<>(List.of("python3", "-c", code));
    cmd.addAll(List.of(args));
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      return new Result(-1, "python3 cannot be started: " + e.getMessage());
    }
    try {
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, "python3 timed out");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(-1, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }
}
