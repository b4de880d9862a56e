package io.kebridge.cli;

import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ke bench}: the benchmark suite (JSON and a Markdown table), or one benchmark by name.
 * Benchmarks print figures (medians and ratios), never pass/fail.
 */
@Command(
    name = "bench",
    header = "Run the benchmark suite, or one benchmark (infer, serve, train).",
    mixinStandardHelpOptions = true,
    description = {
      "Without a benchmark name: run the suite (training images/s and KE step overhead,",
      "dense vs slim inference latency, server throughput and latency at 1/4/16 clients against",
      "raw ONNX Runtime) and write bench.json and bench.md. Takes several minutes."
    },
    subcommands = {BenchInferCommand.class, BenchServeCommand.class, BenchTrainCommand.class})
public final class BenchCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Option(names = "--out", defaultValue = "bench-results", paramLabel = "DIR",
      description = "Folder for bench.json and bench.md (default: ${DEFAULT-VALUE}).")
  Path out;

  @Option(names = "--duration", defaultValue = "10s", paramLabel = "TIME",
      description = "Load duration per server client count (default: ${DEFAULT-VALUE}).")
  String duration;

  @Option(names = "--runs", defaultValue = "1", paramLabel = "N",
      description = "Run the suite N times and report each figure's median (default:"
          + " ${DEFAULT-VALUE}).")
  int runs;

  @Option(names = "--quick",
      description = "Tiny sizes that check the suite works; the figures mean nothing.")
  boolean quick;

  @Override
  public void run() {
    if (runs < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--runs must be at least 1, got " + runs);
    }
    BenchSuite.Size size;
    try {
      size = quick ? BenchSuite.Size.quick()
          : BenchSuite.Size.full(BenchServeCommand.parseDuration(duration, "--duration"));
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
    }
    String command = "ke bench" + (quick ? " --quick" : " --duration " + duration)
        + (runs > 1 ? " --runs " + runs : "");
    try {
      new BenchSuite(size, runs, spec.commandLine().getOut()).run(out, command);
    } catch (IOException e) {
      throw new io.kebridge.models.ModelException("benchmark suite failed: " + e.getMessage(), e);
    }
  }
}
