package io.kebridge.training.ke;

import io.kebridge.models.data.DataSplits;
import io.kebridge.models.data.Datasets;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.training.TrainingException;
import io.kebridge.training.results.Baseline;
import io.kebridge.training.results.KeResult;
import io.kebridge.training.results.RunResult;
import io.kebridge.training.run.Checkpoints;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The experiment runner behind {@code ke train}: Knowledge Evolution of one config and the control
 * runs it asks for ({@link KeConfig#baselines()}), each a {@link GenerationLoop} in its own folder
 * (the KE run in the run directory, each baseline in {@code baselines/LABEL}), on one dataset
 * loaded once:
 *
 * <pre>{@code
 * KeConfig config = KeConfig.builder().dataset("digits").generations(3).epochs(5).build();
 * KeResult result = KeTrainer.create(config, Path.of("runs/digits"))
 *     .addListener(new TrainingListener() {
 *       public void onGenerationEnd(GenerationRecord g) { ... }
 *     })
 *     .run();
 * }</pre>
 *
 * A run checkpoints after every epoch; {@link #resume} continues a killed or cancelled experiment
 * from its last checkpoint and ends with the metrics an uninterrupted one would have. {@link
 * #cancel} may be called from any thread; {@link #run} then returns at the next step, unfinished.
 * The report is not written here: {@code ke train} writes it from the result ({@code
 * HtmlReport}), and {@link KeResult#read} reads a run back without training.
 */
public final class KeTrainer {
  private final KeConfig config;
  private final Path dir;
  private DataSplits data;
  private final List<TrainingListener> listeners = new CopyOnWriteArrayList<>();
  private volatile boolean cancelled;
  private volatile GenerationLoop current;
  private boolean started;
  private Duration checkpointInterval = GenerationLoop.DEFAULT_CHECKPOINT_INTERVAL;

  private KeTrainer(KeConfig config, DataSplits data, Path dir) {
    this.config = config;
    this.data = data;
    this.dir = dir;
  }

  /**
   * A new experiment into {@code runDir}, loading the config's dataset.
   *
   * @throws TrainingException when {@code runDir} already holds a run
   */
  public static KeTrainer create(KeConfig config, Path runDir) {
    return create(config, null, runDir);
  }

  /** A new experiment on data already in memory ({@code config.dataset()} is then a label). */
  public static KeTrainer create(KeConfig config, DataSplits data, Path runDir) {
    if (Files.exists(runDir.resolve(KeConfig.FILE))) {
      throw new TrainingException(
          runDir + " already holds a training run: resume it with --resume " + runDir
              + " or choose another output folder");
    }
    // the KE run and its baselines record, and start from, the same weights file
    return new KeTrainer(config.resolved(), data, runDir);
  }

  /**
   * Continues the experiment in {@code runDir} from its last checkpoint, with its saved config (a
   * run stopped before its first checkpoint starts over, which gives the same run).
   *
   * @throws TrainingException when the folder holds no run, or a run past its first generation
   *     without a valid checkpoint
   */
  public static KeTrainer resume(Path runDir) {
    return resume(runDir, null);
  }

  /** Continues an experiment that was started on in-memory data. */
  public static KeTrainer resume(Path runDir, DataSplits data) {
    KeConfig config = KeConfig.ofRun(runDir);
    Checkpoints checkpoints = new Checkpoints(runDir);
    // A run killed before its first checkpoint (inside the first interval of generation 1) has
    // nothing to resume from and nothing to lose: it starts over with its saved config and seed,
    // which gives the same run. Past a generation end a checkpoint must exist: fail now, before
    // anything runs, saying what is missing.
    if (checkpoints.exists()
        || Files.exists(runDir.resolve(RunDirectory.generationWeightsPath(1)))) {
      checkpoints.latest();
    }
    return new KeTrainer(config, data, runDir);
  }

  public KeConfig config() {
    return config;
  }

  public Path runDirectory() {
    return dir;
  }

  /** Adds a progress listener; returns this trainer. */
  public KeTrainer addListener(TrainingListener listener) {
    listeners.add(listener);
    return this;
  }

  /** See {@link GenerationLoop#checkpointEvery}; returns this trainer. */
  public KeTrainer checkpointEvery(Duration interval) {
    checkpointInterval = GenerationLoop.checkedInterval(interval);
    return this;
  }

  /** Asks the experiment to stop at the next step; safe from any thread. */
  public void cancel() {
    cancelled = true;
    GenerationLoop c = current;
    if (c != null) {
      c.cancel();
    }
  }

  /** Runs (or continues) the KE generations and then the baselines; see the class comment. */
  public KeResult run() {
    synchronized (this) {
      if (started) {
        throw new IllegalStateException("a KeTrainer runs once; create another");
      }
      started = true;
    }
    if (data == null) {
      data = Datasets.load(config.dataset());
    }
    RunResult ke = runOne(null, dir);
    Map<Baseline, RunResult> baselines = new EnumMap<>(Baseline.class);
    if (ke.finished()) {
      for (Baseline b : config.baselines()) {
        RunResult r = runOne(b, KeResult.baselineDirectory(dir, b));
        baselines.put(b, r);
        if (!r.finished()) {
          break;
        }
      }
    }
    return new KeResult(ke, baselines);
  }

  private RunResult runOne(Baseline baseline, Path runDir) {
    GenerationLoop loop = GenerationLoop.open(config, baseline, data, runDir)
        .checkpointEvery(checkpointInterval);
    listeners.forEach(loop::addListener);
    current = loop;
    if (cancelled) {
      loop.cancel();
    }
    return loop.run();
  }
}
