package io.kebridge.training.ke;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.data.ChannelStats;
import io.kebridge.models.data.DataSplits;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.data.Datasets;
import io.kebridge.models.io.AtomicFiles;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.split.Mask;
import io.kebridge.models.split.SplitPlan;
import io.kebridge.models.split.WelsPlan;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.weights.Weights;
import io.kebridge.training.TrainingException;
import io.kebridge.training.data.Batch;
import io.kebridge.training.data.BatchProducer;
import io.kebridge.training.data.Preprocessing;
import io.kebridge.training.optim.LrSchedule;
import io.kebridge.training.report.HtmlReport;
import io.kebridge.training.run.Checkpoints;
import io.kebridge.training.run.MetricsLog;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs Knowledge Evolution: generation 1 from He-normal weights, then before every further
 * generation the reset hypothesis is re-initialised (fit weights, batch-norm and biases kept,
 * momentum zeroed, learning-rate schedule restarted) and the whole network trains again; after
 * every generation the dense and slim networks are evaluated and written to the run directory.
 * The embeddable API behind {@code ke train}:
 *
 * <pre>{@code
 * KeConfig config = KeConfig.builder().dataset("digits").generations(3).epochs(5).build();
 * KeResult result = KeTrainer.create(config, Path.of("runs/digits"))
 *     .addListener(new TrainingListener() {
 *       public void onGenerationEnd(GenerationResult g) { ... }
 *     })
 *     .run();
 * }</pre>
 *
 * A run checkpoints after every epoch; {@link #resume} continues a killed or cancelled run from
 * its last checkpoint and ends with the metrics an uninterrupted run would have. {@link #cancel}
 * may be called from any thread; {@link #run} then returns at the next step with {@code
 * cancelled} set. One trainer runs once, on the calling thread.
 */
public final class KeTrainer {
  private static final Logger LOG = LoggerFactory.getLogger(KeTrainer.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  /** Holds the resolved config in a run directory. */
  public static final String CONFIG_FILE = "config.json";
  /** One JSON line per epoch and per generation. */
  public static final String METRICS_FILE = "metrics.jsonl";

  private enum Mode {
    KE("ke"),
    LONG("long"),
    SLIM_SCRATCH("slim-scratch");

    final String label;

    Mode(String label) {
      this.label = label;
    }
  }

  private final KeConfig config;
  private final Path dir;
  private final boolean resume;
  private final Mode mode;
  private DataSplits data;
  private final List<TrainingListener> listeners = new CopyOnWriteArrayList<>();
  private volatile boolean cancelled;
  private volatile KeTrainer child;
  private boolean started;

  private KeTrainer(KeConfig config, DataSplits data, Path dir, boolean resume, Mode mode) {
    this.config = config;
    this.data = data;
    this.dir = dir;
    this.resume = resume;
    this.mode = mode;
  }

  /**
   * A new run into {@code runDir}, loading the config's dataset.
   *
   * @throws TrainingException when {@code runDir} already holds a run
   */
  public static KeTrainer create(KeConfig config, Path runDir) {
    return create(config, null, runDir);
  }

  /** A new run on data already in memory ({@code config.dataset()} is then only a label). */
  public static KeTrainer create(KeConfig config, DataSplits data, Path runDir) {
    if (Files.exists(runDir.resolve(CONFIG_FILE))) {
      throw new TrainingException(
          runDir + " already holds a training run: resume it with --resume " + runDir
              + " or choose another output folder");
    }
    return new KeTrainer(config, data, runDir, false, Mode.KE);
  }

  /**
   * Continues the run in {@code runDir} from its last checkpoint, with its saved config.
   *
   * @throws TrainingException when the folder holds no run or no valid checkpoint
   */
  public static KeTrainer resume(Path runDir) {
    return resume(runDir, null);
  }

  /** Continues a run that was started on in-memory data. */
  public static KeTrainer resume(Path runDir, DataSplits data) {
    Path file = runDir.resolve(CONFIG_FILE);
    if (!Files.isRegularFile(file)) {
      throw new TrainingException(
          runDir + " is not a training run directory (no " + CONFIG_FILE + ")");
    }
    KeConfig config;
    try {
      config = KeConfig.fromJson(Files.readString(file));
    } catch (IOException e) {
      throw new TrainingException("cannot read " + file + ": " + e.getMessage(), e);
    }
    new Checkpoints(runDir).latest(); // fail now, before anything runs, when there is none
    return new KeTrainer(config, data, runDir, true, Mode.KE);
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

  /** Asks the run to stop at the next step; safe from any thread. */
  public void cancel() {
    cancelled = true;
    KeTrainer c = child;
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
    Dataset train =
        config.perClass() > 0
            ? data.train().samplePerClass(config.perClass(), config.seed())
            : data.train();
    Dataset test = data.test();
    NetworkSpec spec = networkSpec(train);
    SplitPlan plan = config.splitPlan();
    RunDirectory run = RunDirectory.create(dir);
    Checkpoints checkpoints = new Checkpoints(dir);
    boolean resuming = resume || (mode != Mode.KE && checkpoints.exists());
    TrainingState state;
    Checkpoints.Checkpoint from = null;
    if (resuming) {
      from = checkpoints.latest();
      state = parseState(from);
      NetworkSpec saved = RunDirectory.open(dir).spec();
      if (!saved.equals(spec)) {
        throw new TrainingException(
            "the network saved in " + run.specFile() + " differs from the one the run's config "
                + "builds now (was the dataset changed?); refusing to resume");
      }
    } else {
      state = TrainingState.fresh();
    }
    ChannelStats stats = train.stats();
    KeResult result;
    if (state.finished()) {
      result = new KeResult(dir, state.generations(), state.epochs(), false, state.seconds(),
          Map.of());
    } else {
      config.device().check();
      LOG.info(
          "{} run on {}: {} {} ({} parameters), {} train / {} test images, split {}, {}",
          mode.label,
          config.device().name().toLowerCase(Locale.ROOT),
          spec.architecture(),
          spec.input().shape(),
          spec.params().stream().mapToLong(p -> p.elements()).sum(),
          train.size(),
          test.size(),
          plan.describe(),
          resuming
              ? "resuming at generation " + state.generation() + " after epoch " + state.epochsDone()
              : "from scratch");
      result = train(spec, plan, train, test, stats, run, checkpoints, state, from);
    }
    if (mode == Mode.KE && !result.cancelled()) {
      Map<Baseline, KeResult> baselines = new EnumMap<>(Baseline.class);
      for (Baseline b : config.baselines()) {
        Mode m = b == Baseline.LONG ? Mode.LONG : Mode.SLIM_SCRATCH;
        KeTrainer t = new KeTrainer(config, data, dir.resolve("baselines").resolve(b.label()),
            false, m);
        listeners.forEach(t::addListener);
        child = t;
        if (cancelled) {
          t.cancel();
        }
        KeResult r = t.run();
        baselines.put(b, r);
        if (r.cancelled()) {
          break;
        }
      }
      result = withBaselines(result, baselines,
          baselines.values().stream().anyMatch(KeResult::cancelled));
    }
    if (mode == Mode.KE) {
      HtmlReport.write(dir, config, result);
    }
    return result;
  }

  private static KeResult withBaselines(KeResult r, Map<Baseline, KeResult> b, boolean cancelled) {
    return new KeResult(
        r.runDirectory(), r.generations(), r.epochs(), cancelled, r.seconds(), b);
  }

  private NetworkSpec networkSpec(Dataset train) {
    ArchitectureConfig.Stem stem;
    try {
      stem = ArchitectureConfig.Stem.parse(config.stem());
    } catch (IllegalArgumentException e) {
      throw new TrainingException(e.getMessage(), e);
    }
    NetworkSpec spec =
        Architectures.build(
            config.architecture(),
            new ArchitectureConfig(train.shape(), train.classes(), config.width(), stem));
    if (mode == Mode.SLIM_SCRATCH) {
      SplitPlan plan = config.splitPlan();
      if (!(plan instanceof KelsPlan k)) {
        throw new TrainingException("the slim-scratch baseline needs a kels:S split");
      }
      spec = k.slimSpec(spec);
    }
    return spec;
  }

  private TrainingState parseState(Checkpoints.Checkpoint from) {
    try {
      return JSON.readValue(from.state(), TrainingState.class);
    } catch (IOException e) {
      throw new TrainingException(
          "checkpoint " + from.folder() + " has a corrupt state.json: " + e.getMessage(), e);
    }
  }

  private Map<String, Mask> masks(SplitPlan plan, NetworkSpec spec, int generation) {
    if (config.redrawSplit() && plan instanceof WelsPlan w && generation > 1) {
      return w.withSeed(w.seed() * 1_000_003L + generation).masks(spec);
    }
    return plan.masks(spec);
  }

  private int generations() {
    return mode == Mode.KE ? config.generations() : 1;
  }

  private int epochsPerGeneration() {
    return mode == Mode.KE ? config.epochs() : config.epochs() * config.generations();
  }

  private KeResult train(
      NetworkSpec spec,
      SplitPlan plan,
      Dataset train,
      Dataset test,
      ChannelStats stats,
      RunDirectory run,
      Checkpoints checkpoints,
      TrainingState state,
      Checkpoints.Checkpoint from) {
    // a network whose slim cut would not be the fit hypothesis (LRN) reports no slim accuracy
    boolean slimEval = mode == Mode.KE && plan.hasSlimNetwork(spec);
    Double slimRate = slimEval ? ((KelsPlan) plan).rate() : null;
    KeGraph.Settings settings =
        new KeGraph.Settings(
            config.momentum(),
            config.weightDecay(),
            config.labelSmoothing(),
            config.reinit(),
            slimRate,
            config.device(),
            config.threads());
    Preprocessing prep =
        new Preprocessing(train.shape(), stats, config.cropPadding(), config.flip(),
            config.augment());
    int per = (int) train.shape().elements();
    float[] testX = new float[test.size() * per];
    int[] testY = new int[test.size()];
    for (int i = 0; i < test.size(); i++) {
      prep.eval(test.image(i), testX, i * per);
      testY[i] = test.label(i);
    }
    int gens = generations();
    int epochs = epochsPerGeneration();
    int steps = BatchProducer.batchesPerEpoch(train.size(), config.batchSize());
    List<EpochMetrics> epochLog = new ArrayList<>(state.epochs());
    List<GenerationResult> genLog = new ArrayList<>(state.generations());
    double priorSeconds = state.seconds();
    long t0 = System.nanoTime();
    try (KeGraph g = KeGraph.build(spec, settings)) {
      if (from != null) {
        g.restore(from.variables());
      } else {
        run.writeSpec(spec);
        AtomicFiles.writeString(dir.resolve(CONFIG_FILE), config.toJson());
        run.writeCard(card(spec, plan, train, stats, 0, null));
        g.loadWeights(WeightInit.heNormal(spec, config.seed()));
        g.loadMasks(masks(plan, spec, 1));
        g.resetMomentum();
      }
      for (TrainingListener l : listeners) {
        l.onStart(mode.label, gens, epochs, steps, state.generation(), state.epochsDone());
      }
      LrSchedule schedule = config.lrSchedule();
      for (int gen = state.generation(); gen <= gens; gen++) {
        int startEpoch = gen == state.generation() ? state.epochsDone() : 0;
        double keStep = 0;
        if (startEpoch == 0 && gen > 1) {
          long r0 = System.nanoTime();
          if (config.redrawSplit()) {
            g.loadMasks(masks(plan, spec, gen));
          }
          g.reinitialise(config.seed(), gen);
          keStep += seconds(r0);
          LOG.debug("generation {}: reset hypothesis re-initialised in {} s", gen, keStep);
        }
        for (int e = startEpoch; e < epochs; e++) {
          boolean last = e == epochs - 1;
          EpochMetrics m =
              epoch(g, schedule, train, prep, testX, testY, gen, e, epochs, steps,
                  config.evaluateEveryEpoch() || last, slimEval);
          if (m == null) {
            return cancelled(epochLog, genLog, priorSeconds + seconds(t0));
          }
          epochLog.add(m);
          if (!last) {
            checkpoint(checkpoints, g, new TrainingState(gen, e + 1, false,
                priorSeconds + seconds(t0), epochLog, genLog));
          }
          MetricsLog.write(dir.resolve(METRICS_FILE), ordered(epochLog, genLog));
          for (TrainingListener l : listeners) {
            l.onEpochEnd(m);
          }
        }
        long k0 = System.nanoTime();
        EpochMetrics lastEpoch = epochLog.get(epochLog.size() - 1);
        double dense = lastEpoch.denseAccuracy();
        Double slim = lastEpoch.slimAccuracy();
        Weights weights = g.readWeights();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("dense_accuracy", Double.toString(dense));
        if (slim != null) {
          meta.put("slim_accuracy", Double.toString(slim));
        }
        meta.put("generation", Integer.toString(gen));
        meta.put("split", plan.describe());
        meta.put("architecture", spec.architecture());
        run.writeGenerationWeights(gen, weights, meta);
        run.writeGenerationMasks(gen, g.readMasks());
        run.writeCard(card(spec, plan, train, stats, gen, dense));
        double genSeconds = 0;
        for (EpochMetrics em : epochLog) {
          if (em.generation() == gen) {
            genSeconds += em.seconds();
          }
        }
        GenerationResult result =
            new GenerationResult(gen, dense, slim, genSeconds, 0,
                dir.relativize(run.generationWeightsFile(gen)).toString(),
                dir.relativize(run.generationMasksFile(gen)).toString());
        genLog.add(result);
        boolean finished = gen == gens;
        checkpoint(checkpoints, g, new TrainingState(gen + 1, 0, finished,
            priorSeconds + seconds(t0), epochLog, genLog));
        keStep += seconds(k0);
        result = new GenerationResult(gen, dense, slim, genSeconds, keStep, result.weights(),
            result.masks());
        genLog.set(genLog.size() - 1, result);
        MetricsLog.write(dir.resolve(METRICS_FILE), ordered(epochLog, genLog));
        LOG.debug("{} generation {}/{}: dense {} slim {} ({} s, KE step {} s)", mode.label, gen,
            gens, fmt(dense), slim == null ? "-" : fmt(slim), fmt(genSeconds), fmt(keStep));
        for (TrainingListener l : listeners) {
          l.onGenerationEnd(result);
        }
      }
    }
    return new KeResult(dir, genLog, epochLog, false, priorSeconds + seconds(t0), Map.of());
  }

  private void checkpoint(Checkpoints checkpoints, KeGraph g, TrainingState state) {
    String name = String.format("g%03d-e%04d", state.generation(), state.epochsDone());
    String json;
    try {
      json = JSON.writeValueAsString(state);
    } catch (JsonProcessingException e) {
      throw new TrainingException("cannot encode the training state: " + e.getMessage(), e);
    }
    Path folder = checkpoints.write(name, g::save, json);
    for (TrainingListener l : listeners) {
      l.onCheckpoint(folder, state.generation(), state.epochsDone());
    }
  }

  private KeResult cancelled(List<EpochMetrics> epochs, List<GenerationResult> gens, double secs) {
    LOG.info("{} run cancelled; resume from {}", mode.label, dir);
    return new KeResult(dir, gens, epochs, true, secs, Map.of());
  }

  private static List<Object> ordered(List<EpochMetrics> epochs, List<GenerationResult> gens) {
    List<Object> out = new ArrayList<>();
    int gi = 0;
    for (EpochMetrics e : epochs) {
      while (gi < gens.size() && gens.get(gi).generation() < e.generation()) {
        out.add(gens.get(gi++));
      }
      out.add(e);
    }
    while (gi < gens.size()) {
      out.add(gens.get(gi++));
    }
    return out;
  }

  /** Trains one epoch; null when cancelled. */
  private EpochMetrics epoch(
      KeGraph g,
      LrSchedule schedule,
      Dataset train,
      Preprocessing prep,
      float[] testX,
      int[] testY,
      int gen,
      int e,
      int epochs,
      int steps,
      boolean evaluate,
      boolean slimEval) {
    long start = System.nanoTime();
    double lossSum = 0;
    long correct = 0;
    long seen = 0;
    double lr = 0;
    try (BatchProducer producer =
        BatchProducer.start(train, prep, config.batchSize(), config.seed(), gen, e)) {
      int step = 0;
      for (Batch b = producer.next(); b != null; b = producer.next()) {
        if (cancelled) {
          return null;
        }
        lr = schedule.at(e * steps + step, epochs, steps);
        // the step's position seeds its dropout masks, so a resumed run draws the same ones
        long stepKey = ((long) gen << 40) | ((long) e << 20) | step;
        KeGraph.StepResult r =
            g.train(b.nhwc(), b.labels(), b.size(), (float) lr, config.seed(), stepKey);
        if (!Float.isFinite(r.loss())) {
          throw new TrainingException(
              String.format(Locale.ROOT,
                  "the loss diverged (%s) at generation %d, epoch %d, step %d with learning rate "
                      + "%.4g: lower --lr",
                  r.loss(), gen, e + 1, step + 1, lr));
        }
        lossSum += (double) r.loss() * b.size();
        correct += r.correct();
        seen += b.size();
        step++;
        for (TrainingListener l : listeners) {
          l.onStep(gen, e + 1, step, steps, r.loss());
        }
      }
    }
    double trainSeconds = seconds(start);
    Double dense = null;
    Double slim = null;
    if (evaluate) {
      dense = accuracy(g, testX, testY, false);
      slim = slimEval ? accuracy(g, testX, testY, true) : null;
    }
    return new EpochMetrics(
        gen,
        e + 1,
        (gen - 1) * epochs + e + 1,
        lossSum / seen,
        (double) correct / seen,
        dense,
        slim,
        lr,
        seen / Math.max(trainSeconds, 1e-9),
        seconds(start));
  }

  private double accuracy(KeGraph g, float[] x, int[] y, boolean slim) {
    int per = x.length / Math.max(y.length, 1);
    int right = 0;
    for (int start = 0; start < y.length; start += config.evalBatchSize()) {
      int n = Math.min(config.evalBatchSize(), y.length - start);
      int[] pred = g.predict(Arrays.copyOfRange(x, start * per, (start + n) * per), n, slim);
      for (int i = 0; i < n; i++) {
        if (pred[i] == y[start + i]) {
          right++;
        }
      }
    }
    return y.length == 0 ? 0 : (double) right / y.length;
  }

  private ModelCard card(
      NetworkSpec spec, SplitPlan plan, Dataset train, ChannelStats stats, int gen,
      Double accuracy) {
    Map<String, String> extra = new LinkedHashMap<>();
    extra.put("dataset", config.dataset());
    extra.put("seed", Long.toString(config.seed()));
    extra.put("per_class", Integer.toString(config.perClass()));
    extra.put("train_images", Integer.toString(train.size()));
    extra.put("trainer", "ke-bridge tf-training (" + mode.label + ")");
    return new ModelCard(
        spec.architecture(),
        "dense",
        plan.describe(),
        gen,
        train.classNames(),
        train.shape(),
        "NCHW",
        stats.mean(),
        stats.std(),
        accuracy,
        version(),
        extra);
  }

  private static String version() {
    String v = KeTrainer.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-SNAPSHOT" : v;
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }
}
