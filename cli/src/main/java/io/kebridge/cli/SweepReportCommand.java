package io.kebridge.cli;

import io.kebridge.training.sweep.SummaryFiles;
import io.kebridge.training.sweep.SweepPlan;
import io.kebridge.training.sweep.SweepSummary;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ke sweep report SWEEP_DIR}: summarises what the sweep's runs have left so far (after a
 * cluster ran them, or while they run) into {@code summary.md}, {@code summary.json} and {@code
 * report.html}; unfinished runs are listed, not counted.
 */
@Command(
    name = "report",
    header = "Summarise a sweep's finished runs.",
    mixinStandardHelpOptions = true,
    description = {
      "Summarise a sweep's finished runs: summary.md, summary.json and report.html in SWEEP_DIR",
      "(mean, sd and 95%% interval over seeds per split and generation, the controls, KE minus",
      "each control in words). Unfinished runs are listed and left out."
    })
public final class SweepReportCommand implements Callable<Integer> {
  @Parameters(index = "0", paramLabel = "SWEEP_DIR", description = "The sweep folder.")
  Path dir;

  @Spec CommandLine.Model.CommandSpec command;

  @Override
  public Integer call() {
    PrintWriter o = command.commandLine().getOut();
    SweepPlan plan = SweepPlan.read(dir);
    SweepSummary summary = SweepSummary.of(plan, dir);
    o.print(SummaryFiles.write(dir, plan, summary));
    o.printf(Locale.ROOT, "%nsummary: %s, %s; report %s%n", dir.resolve(SummaryFiles.MARKDOWN_FILE),
        dir.resolve(SummaryFiles.JSON_FILE), dir.resolve(SummaryFiles.HTML_FILE));
    o.flush();
    return 0;
  }
}
