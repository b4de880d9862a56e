package io.kebridge.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code ke bench}: benchmarks that print figures (medians and ratios), never pass/fail. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = "Benchmarks: training speed, inference latency, server throughput.",
    subcommands = {BenchInferCommand.class, BenchServeCommand.class, BenchTrainCommand.class})
public final class BenchCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "a benchmark is required: " + spec.subcommands().keySet());
  }
}
