package io.kebridge.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The CPU instruction set extensions INT8 speed depends on, from {@code /proc/cpuinfo}: AVX2 (8-bit
 * products through 16-bit sums, which can saturate), AVX-512, VNNI (8-bit dot products in one
 * instruction, AVX-512 or AVX form) and AMX (matrix tiles). Printed, with the CPU model, beside
 * every benchmark figure ({@link #machine()}).
 */
final class CpuFeatures {
  /** The flags reported, in the order of the gains they bring to INT8. */
  static final List<String> FLAGS =
      List.of("avx2", "avx512f", "avx512_vnni", "avx_vnni", "amx_int8");

  private CpuFeatures() {}

  /** The flags the CPU reports, or an empty set where {@code /proc/cpuinfo} is unavailable. */
  static Set<String> flags() {
    String flags = cpuinfo("flags");
    return flags == null ? Set.of() : new HashSet<>(Arrays.asList(flags.split("\\s+")));
  }

  /** The CPU model name from /proc/cpuinfo, or the architecture where that is unavailable. */
  static String model() {
    String model = cpuinfo("model name");
    return model != null ? model : System.getProperty("os.arch");
  }

  /** The value of the first {@code key} line of /proc/cpuinfo, or null (not Linux, no such key). */
  private static String cpuinfo(String key) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith(key)) {
          return line.substring(line.indexOf(':') + 1).trim();
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux: nothing known
    }
    return null;
  }

  /** {@code avx2 avx512f avx512_vnni (no avx_vnni, amx_int8)}, or "unknown". */
  static String describe() {
    Set<String> f = flags();
    if (f.isEmpty()) {
      return "ISA flags unknown (no /proc/cpuinfo)";
    }
    List<String> have = new ArrayList<>();
    List<String> lack = new ArrayList<>();
    for (String flag : FLAGS) {
      (f.contains(flag) ? have : lack).add(flag);
    }
    return (have.isEmpty() ? "none of " + FLAGS : String.join(" ", have))
        + (lack.isEmpty() ? "" : " (no " + String.join(", ", lack) + ")");
  }

  /**
   * The line every benchmark prints before its figures: {@code CPU: MODEL, N cores; avx2 ...
   * (no ...)}, since figures from different machines are comparable only as ratios.
   */
  static String machine() {
    return "CPU: " + model() + ", " + Runtime.getRuntime().availableProcessors()
        + " cores; " + describe();
  }
}
