package io.kebridge.training.ke;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.card.CardKey;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.card.NetworkKind;
import io.kebridge.models.data.ChannelStats;
import io.kebridge.models.data.DataSplits;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.data.Datasets;
import io.kebridge.models.io.AtomicFiles;
import io.kebridge.models.run.GenerationRecord;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.split.Mask;
import io.kebridge.models.split.SplitPlan;
import io.kebridge.models.split.WelsPlan;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.ModelException;
import io.kebridge.training.TrainingException;
import io.kebridge.training.data.Batch;
import io.kebridge.training.data.BatchProducer;
import io.kebridge.training.data.Preprocessing;
import io.kebridge.training.optim.LrSchedule;
import io.kebridge.training.results.Baseline;
import io.kebridge.training.results.EpochMetrics;
import io.kebridge.training.results.MetricsLog;
import io.kebridge.training.results.RunResult;
import io.kebridge.training.run.Checkpoints;
import io.kebridge.training.run.TrainingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One training run into one folder: the KE generations of a config, or one of its control runs
 * ({@link Baseline}: the dense network or the slim architecture trained once for generations x
 * epochs). Generation 1 starts from He-normal weights; before every further KE generation the
 * reset hypothesis is re-initialised (fit weights, batch-norm and biases kept, momentum zeroed,
 * learning-rate schedule restarted) and the whole network trains again. Each generation ends with
 * an evaluation of the dense (and slim) network on the whole test split and writes its weights,
 * masks and {@link GenerationRecord}; epochs in between are evaluated as the config's evaluation
 * policy asks ({@link KeConfig#evaluatesAfter}).
 *
 * <p>{@link #open} looks at the folder first: a new folder starts a run, a folder with a
 * checkpoint continues it from there (ending with the metrics an uninterrupted run would have), a
 * finished run is only read back. Everything that can be checked (config, dataset, network, split
 * masks) is checked before the first file is written; a folder whose run was killed before its
 * first checkpoint starts again. {@link #cancel} may be called from any
 * thread; {@link #run} then returns at the next step with the run unfinished and its last
 * checkpoint valid. A loop runs once, on the calling thread; the loop itself prints nothing.
 */
public final class GenerationLoop {
  private static final Logger LOG = LoggerFactory.getLogger(GenerationLoop.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KeConfig config;
  private final Baseline baseline;
  private final Path dir;
  private DataSplits data;
  private final List<TrainingListener> listeners = new CopyOnWriteArrayList<>();
  private volatile boolean cancelled;
  private boolean started;

  private GenerationLoop(KeConfig config, Baseline baseline, DataSplits data, Path dir) {
    this.config = config;
    this.baseline = baseline;
    this.data = data;
    this.dir = dir;
  }

  /**
   * The run of {@code config} in {@code dir}: KE when {@code baseline} is null, else that control
   * run. Starts it when the folder holds no run yet, continues it from its checkpoint otherwise.
   *
   * @param data the dataset already in memory, or null to load {@code config.dataset()}
   * @throws TrainingException when the folder holds a run of another config, or a run that has
   *     trained but lost its checkpoint
   */
  public static GenerationLoop open(KeConfig config, Baseline baseline, DataSplits data, Path dir) {
    KeConfig saved = savedConfig(dir);
    if (saved != null && !saved.equals(config)) {
      throw new TrainingException(dir + " holds a run of another config (" + differences(saved,
          config) + "); choose another folder");
    }
    if (saved != null && !new Checkpoints(dir).exists() && finished(dir)) {
      new Checkpoints(dir).latest(); // throws, saying what is missing: never train it over
    }
    return new GenerationLoop(config, baseline, data, dir);
  }

  /**
   * Checks, without TensorFlow and without writing anything, that the run of {@code config} can
   * start on {@code data}: the network builds for its images and the split's masks fit it. What a
   * sweep asks of every row before it writes its plan.
   *
   * @throws TrainingException saying what does not fit
   */
  public static void check(KeConfig config, Baseline baseline, DataSplits data) {
    GenerationLoop loop = new GenerationLoop(config, baseline, data, null);
    Dataset train =
        config.perClass() > 0
            ? data.train().samplePerClass(config.perClass(), config.seed())
            : data.train();
    NetworkSpec spec = loop.networkSpec(train);
    try {
      loop.masks(config.splitPlan(), spec, 1);
    } catch (ModelException e) {
      throw new TrainingException("split " + config.split() + " does not fit "
          + spec.architecture() + ": " + e.getMessage(), e);
    }
  }

  /** The config saved in {@code dir}, or null when the folder holds none. */
  static KeConfig savedConfig(Path dir) {
    return Files.isRegularFile(dir.resolve(KeConfig.FILE)) ? KeConfig.ofRun(dir) : null;
  }

  /**
   * True when the run in {@code dir} says it finished. A run without a checkpoint that did not
   * finish has nothing to resume from (it was killed before its first checkpoint) and starts
   * again; a finished one is never trained over.
   */
  private static boolean finished(Path dir) {
    return Files.exists(dir.resolve(MetricsLog.FILE))
        && MetricsLog.read(dir.resolve(MetricsLog.FILE)).finished();
  }

  /** The keys in which two configs differ, for error messages. */
  static String differences(KeConfig a, KeConfig b) {
    try {
      Map<String, Object> x = JSON.readValue(a.toJson(), Map.class);
      Map<String, Object> y = JSON.readValue(b.toJson(), Map.class);
      List<String> diff = new ArrayList<>();
      for (String k : x.keySet()) {
        if (!java.util.Objects.equals(x.get(k), y.get(k))) {
          diff.add(k + " " + x.get(k) + " vs " + y.get(k));
        }
      }
      return String.join(", ", diff);
    } catch (IOException e) {
      return "unreadable";
    }
  }

  public KeConfig config() {
    return config;
  }

  public Path runDirectory() {
    return dir;
  }

  /** The control run this loop trains, or null for the KE run. */
  public Baseline baseline() {
    return baseline;
  }

  /** {@code ke}, or the baseline's label. */
  public String label() {
    return baseline == null ? "ke" : baseline.label();
  }

  /** Adds a progress listener; returns this loop. */
  public GenerationLoop addListener(TrainingListener listener) {
    listeners.add(listener);
    return this;
  }

  /** Asks the run to stop at the next step; safe from any thread. */
  public void cancel() {
    cancelled = true;
  }

  /** Trains (or continues, or reads back) the run; see the class comment. */
  public RunResult run() {
    synchronized (this) {
      if (started) {
        throw new IllegalStateException("a GenerationLoop runs once; open another");
      }
      started = true;
    }
    Checkpoints checkpoints = new Checkpoints(dir);
    Checkpoints.Checkpoint from = checkpoints.exists() ? checkpoints.latest() : null;
    TrainingState state = from == null ? TrainingState.fresh() : parseState(from);
    if (state.finished()) {
      return new RunResult(dir, state.generations(), state.epochs(), true, state.seconds());
    }
    if (data == null) {
      data = Datasets.load(config.dataset());
    }
    Dataset train =
        config.perClass() > 0
            ? data.train().samplePerClass(config.perClass(), config.seed())
            : data.train();
    Setup setup = setup(train, data.test());
    if (from != null) {
      NetworkSpec saved = RunDirectory.open(dir).spec();
      if (!saved.equals(setup.spec)) {
        throw new TrainingException(
            "the network saved in " + dir.resolve("spec.json") + " differs from the one the run's "
                + "config builds now (was the dataset changed?); refusing to resume");
      }
    }
    config.device().check();
    LOG.info(
        "{} run on {}: {} {} ({} parameters), {} train / {} test images, split {}, {}",
        label(),
        config.device().name().toLowerCase(Locale.ROOT),
        setup.spec.architecture(),
        setup.spec.input().shape(),
        setup.spec.params().stream().mapToLong(p -> p.elements()).sum(),
        train.size(),
        data.test().size(),
        setup.plan.describe(),
        from != null
            ? "resuming at generation " + state.generation() + " after epoch " + state.epochsDone()
            : "from scratch");
    return train(setup, checkpoints, state, from);
  }

  /** What a run needs before it trains, all of it checked before anything is written. */
  private record Setup(
      NetworkSpec spec,
      SplitPlan plan,
      Map<String, Mask> firstMasks,
      Dataset train,
      ChannelStats stats,
      Preprocessing prep,
      TestSet test) {}

  private Setup setup(Dataset train, Dataset test) {
    NetworkSpec spec = networkSpec(train);
    SplitPlan plan = config.splitPlan();
    Map<String, Mask> masks;
    try {
      masks = masks(plan, spec, 1);
    } catch (ModelException e) {
      throw new TrainingException("split " + plan.describe() + " does not fit "
          + spec.architecture() + ": " + e.getMessage(), e);
    }
    if (!test.shape().equals(train.shape())) {
      throw new TrainingException("the test images " + test.shape() + " differ from the "
          + "training images " + train.shape());
    }
    ChannelStats stats = train.stats();
    Preprocessing prep =
        new Preprocessing(train.shape(), stats, config.cropPadding(), config.flip(),
            config.augment());
    return new Setup(spec, plan, masks, train, stats, prep,
        TestSet.of(test, prep, config.evalSubset(), config.seed()));
  }

  private NetworkSpec networkSpec(Dataset train) {
    ArchitectureConfig.Stem stem = ArchitectureConfig.Stem.parse(config.stem());
    NetworkSpec spec;
    try {
      spec = Architectures.build(
          config.architecture(),
          new ArchitectureConfig(train.shape(), train.classes(), config.width(), stem));
    } catch (ModelException e) {
      throw new TrainingException("cannot build " + config.architecture() + " for "
          + train.shape() + " images: " + e.getMessage(), e);
    }
    if (baseline == Baseline.SLIM_SCRATCH) {
      if (!(config.splitPlan() instanceof KelsPlan k)) {
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
    return baseline == null ? config.generations() : 1;
  }

  private int epochsPerGeneration() {
    return baseline == null ? config.epochs() : config.epochs() * config.generations();
  }

  private RunResult train(
      Setup s, Checkpoints checkpoints, TrainingState state, Checkpoints.Checkpoint from) {
    boolean slimEval = baseline == null && s.plan.hasSlimNetwork();
    KeGraph.Settings settings =
        new KeGraph.Settings(
            config.momentum(),
            config.weightDecay(),
            config.labelSmoothing(),
            config.reinit(),
            slimEval ? ((KelsPlan) s.plan).rate() : null,
            config.device(),
            config.threads());
    RunDirectory run = RunDirectory.create(dir);
    int gens = generations();
    int epochs = epochsPerGeneration();
    int steps = BatchProducer.batchesPerEpoch(s.train.size(), config.batchSize());
    List<EpochMetrics> epochLog = new ArrayList<>(state.epochs());
    List<GenerationRecord> genLog = new ArrayList<>(state.generations());
    double priorSeconds = state.seconds();
    double total = priorSeconds;
    long t0 = System.nanoTime();
    try (KeGraph g = KeGraph.build(s.spec, settings)) {
      if (from != null) {
        g.restore(from.variables());
      } else {
        g.loadWeights(WeightInit.heNormal(s.spec, config.seed()));
        g.loadMasks(s.firstMasks);
        g.resetMomentum();
        // Only now, with the network built and its masks loaded, does the run write files.
        run.writeSpec(s.spec);
        AtomicFiles.writeString(dir.resolve(KeConfig.FILE), config.toJson());
        run.writeCard(card(s, 0, null));
      }
      for (TrainingListener l : listeners) {
        l.onStart(label(), gens, epochs, steps, state.generation(), state.epochsDone());
      }
      LrSchedule schedule = config.lrSchedule();
      Evaluator eval = new Evaluator(g, s.test, config.evalBatchSize(), slimEval);
      for (int gen = state.generation(); gen <= gens; gen++) {
        int startEpoch = gen == state.generation() ? state.epochsDone() : 0;
        double keStep = 0;
        if (startEpoch == 0 && gen > 1) {
          long r0 = System.nanoTime();
          if (config.redrawSplit()) {
            g.loadMasks(masks(s.plan, s.spec, gen));
          }
          g.reinitialise(config.seed(), gen);
          keStep += seconds(r0);
          LOG.debug("generation {}: reset hypothesis re-initialised in {} s", gen, keStep);
        }
        for (int e = startEpoch; e < epochs; e++) {
          boolean last = e == epochs - 1;
          EpochMetrics m = epoch(g, eval, schedule, s, gen, e, epochs, steps);
          if (m == null) {
            return cancelled(epochLog, genLog, priorSeconds + seconds(t0));
          }
          epochLog.add(m);
          if (!last) {
            checkpoint(checkpoints, g, new TrainingState(gen, e + 1, false,
                priorSeconds + seconds(t0), epochLog, genLog));
          }
          MetricsLog.write(dir.resolve(MetricsLog.FILE), epochLog, genLog, null);
          for (TrainingListener l : listeners) {
            l.onEpochEnd(m);
          }
        }
        long k0 = System.nanoTime();
        EpochMetrics lastEpoch = epochLog.get(epochLog.size() - 1);
        double genSeconds = 0;
        for (EpochMetrics em : epochLog) {
          if (em.generation() == gen) {
            genSeconds += em.seconds();
          }
        }
        GenerationRecord record =
            new GenerationRecord(gen, s.plan.describe(), lastEpoch.denseAccuracy(),
                lastEpoch.slimAccuracy(), genSeconds, 0, RunDirectory.generationWeightsPath(gen),
                RunDirectory.generationMasksPath(gen));
        run.writeGeneration(record, g.readWeights());
        run.writeGenerationMasks(gen, g.readMasks());
        run.writeCard(card(s, gen, record.denseAccuracy()));
        genLog.add(record);
        boolean finished = gen == gens;
        checkpoint(checkpoints, g, new TrainingState(gen + 1, 0, finished,
            priorSeconds + seconds(t0), epochLog, genLog));
        keStep += seconds(k0);
        record = record.withTimes(genSeconds, keStep);
        genLog.set(genLog.size() - 1, record);
        total = priorSeconds + seconds(t0);
        MetricsLog.write(dir.resolve(MetricsLog.FILE), epochLog, genLog, finished ? total : null);
        LOG.debug("{} generation {}/{}: dense {} slim {} ({} s, KE step {} s)", label(), gen,
            gens, fmt(record.denseAccuracy()),
            record.slimAccuracy() == null ? "-" : fmt(record.slimAccuracy()), fmt(genSeconds),
            fmt(keStep));
        for (TrainingListener l : listeners) {
          l.onGenerationEnd(record);
        }
      }
    }
    return new RunResult(dir, genLog, epochLog, true, total);
  }

  private void checkpoint(Checkpoints checkpoints, KeGraph g, TrainingState state) {
    String name = String.format(Locale.ROOT, "g%03d-e%04d", state.generation(),
        state.epochsDone());
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

  private RunResult cancelled(
      List<EpochMetrics> epochs, List<GenerationRecord> gens, double secs) {
    LOG.info("{} run cancelled; resume from {}", label(), dir);
    return new RunResult(dir, gens, epochs, false, secs);
  }

  /** Trains one epoch and evaluates it when the policy asks; null when cancelled. */
  private EpochMetrics epoch(
      KeGraph g, Evaluator eval, LrSchedule schedule, Setup s, int gen, int e, int epochs,
      int steps) {
    long start = System.nanoTime();
    double lossSum = 0;
    long correct = 0;
    long seen = 0;
    double lr = 0;
    try (BatchProducer producer =
        BatchProducer.start(s.train, s.prep, config.batchSize(), config.seed(), gen, e)) {
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
    Evaluator.Accuracies acc = null;
    long e0 = System.nanoTime();
    if (config.evaluatesAfter(e + 1, epochs)) {
      acc = eval.evaluate(config.evaluationImages(e + 1, epochs, s.test.size()));
    }
    double evalSeconds = acc == null ? 0 : seconds(e0);
    return new EpochMetrics(
        gen,
        e + 1,
        (gen - 1) * epochs + e + 1,
        lossSum / seen,
        (double) correct / seen,
        acc == null ? null : acc.dense(),
        acc == null ? null : acc.slim(),
        acc == null ? null : acc.images(),
        lr,
        seen / Math.max(trainSeconds, 1e-9),
        evalSeconds,
        seconds(start));
  }

  private ModelCard card(Setup s, int gen, Double accuracy) {
    return ModelCard.builder(s.train.classNames(), s.train.shape())
        .architecture(s.spec.architecture())
        .network(NetworkKind.DENSE)
        .split(s.plan.describe())
        .generation(gen)
        .normalization(s.stats)
        .accuracy(accuracy)
        .version(version())
        .set(CardKey.DATASET, config.dataset())
        .set(CardKey.SEED, Long.toString(config.seed()))
        .set(CardKey.PER_CLASS, Integer.toString(config.perClass()))
        .set(CardKey.TRAIN_IMAGES, Integer.toString(s.train.size()))
        .set(CardKey.TRAINER, "ke-bridge tf-training (" + label() + ")")
        .set(CardKey.CONFIG_HASH, config.hash())
        .build();
  }

  private static String version() {
    String v = GenerationLoop.class.getPackage().getImplementationVersion();
    return v == null ? "0.1.0-SNAPSHOT" : v;
  }

  private static double seconds(long startNanos) {
    return (System.nanoTime() - startNanos) / 1e9;
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, "%.4f", v);
  }
}
