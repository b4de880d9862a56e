package io.kebridge.cli;

import io.kebridge.models.card.SourceFile;
import io.kebridge.models.run.GenerationRecord;
import io.kebridge.training.ke.TrainingListener;
import io.kebridge.training.results.EpochMetrics;
import io.kebridge.training.results.InitRecord;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows a run's progress for {@code ke train}: on a terminal, a progress bar with ETA per epoch
 * (labelled with the generation) and one line per generation; otherwise plain lines, one per epoch
 * and per generation, that log files and CI read well.
 */
final class TrainProgress implements TrainingListener {
  private final PrintWriter out;
  private final boolean bar;
  private ProgressBar current;
  private String run = "ke";
  private int generations;
  private int epochs;

  TrainProgress(PrintWriter out, boolean bar) {
    this.out = out;
    this.bar = bar;
  }

  @Override
  public void onStart(
      String run, int generations, int epochs, int stepsPerEpoch, int fromGeneration,
      int fromEpoch) {
    this.run = run;
    this.generations = generations;
    this.epochs = epochs;
    String what = run.equals("ke") ? "KE" : "baseline " + run;
    out.printf(Locale.ROOT, "%s: %d generation(s) x %d epoch(s), %d steps per epoch%s%n", what,
        generations, epochs, stepsPerEpoch,
        fromGeneration > 1 || fromEpoch > 0
            ? String.format(Locale.ROOT, " (resuming generation %d after epoch %d)",
                fromGeneration, fromEpoch)
            : "");
    out.flush();
  }

  @Override
  public void onInit(String run, InitRecord init) {
    out.printf(Locale.ROOT, "%s starts from %s: %d of %d tensors loaded%s%n", run,
        new SourceFile(init.source(), init.sha256()).describe(), init.loaded(), init.tensors(),
        init.fresh().isEmpty() ? "" : "; fresh: " + shortList(init.fresh()));
    out.printf(Locale.ROOT, "%s before training: dense %s, slim %s (%d test images, network"
        + " input %s%s)%n", run, pct(init.denseAccuracy()), pct(init.slimAccuracy()),
        init.images(), init.input(), init.resizedImages() ? ", the data's images converted to it" : "");
    out.flush();
  }

  private static String shortList(java.util.List<String> items) {
    int shown = Math.min(4, items.size());
    return String.join(", ", items.subList(0, shown))
        + (items.size() > shown ? " and " + (items.size() - shown) + " more" : "");
  }

  @Override
  public void onStep(int generation, int epoch, int step, int steps, float loss) {
    if (!bar) {
      return;
    }
    if (current == null) {
      current =
          new ProgressBarBuilder()
              .setTaskName(String.format(Locale.ROOT, "%s g%d/%d e%d/%d", run, generation,
                  generations, epoch, epochs))
              .setInitialMax(steps)
              .setStyle(ProgressBarStyle.ASCII)
              .setUpdateIntervalMillis(200)
              .setEtaFunction(
                  state -> state.getCurrent() <= 0
                      ? java.util.Optional.empty()
                      : java.util.Optional.of(
                          Duration.ofMillis(Duration.between(state.getStartInstant(),
                              java.time.Instant.now()).toMillis()
                              * (state.getMax() - state.getCurrent()) / state.getCurrent())))
              .build();
    }
    current.stepTo(step);
    current.setExtraMessage(String.format(Locale.ROOT, " loss %.4f", loss));
  }

  @Override
  public void onEpochEnd(EpochMetrics m) {
    if (current != null) {
      current.close();
      current = null;
    }
    out.printf(Locale.ROOT,
        "%s gen %d/%d epoch %d/%d: loss %.4f, train %.2f%%, dense %s, slim %s%s, lr %.5f, "
            + "%.0f img/s, %.1f s%n",
        run, m.generation(), generations, m.epoch(), epochs, m.loss(), 100 * m.trainAccuracy(),
        pct(m.denseAccuracy()), pct(m.slimAccuracy()),
        m.evaluated() && m.evaluatedImages() != null
            ? String.format(Locale.ROOT, " (%d test images)", m.evaluatedImages())
            : "",
        m.learningRate(), m.imagesPerSecond(), m.seconds());
    out.flush();
  }

  @Override
  public void onGenerationEnd(GenerationRecord g) {
    out.printf(Locale.ROOT,
        "%s generation %d/%d done: dense %s, slim %s (%.1f s, KE step %.3f s)%n", run,
        g.generation(), generations, pct(g.denseAccuracy()), pct(g.slimAccuracy()), g.seconds(),
        g.keStepSeconds());
    out.flush();
  }

  /** Closes a bar left open by a cancelled epoch. */
  void finish() {
    if (current != null) {
      current.close();
      current = null;
    }
  }

  static String pct(Double v) {
    return v == null ? "-" : String.format(Locale.ROOT, "%.2f%%", 100 * v);
  }
}
