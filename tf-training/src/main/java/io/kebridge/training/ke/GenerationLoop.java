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
import io.kebridge.models.io.JsonErrors;
import io.kebridge.models.run.GenerationRecord;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.run.StoredNetwork;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.ChannelPlan;
import io.kebridge.models.split.KelsPlan;
import io.kebridge.models.split.Mask;
import io.kebridge.models.split.SplitPlan;
import io.kebridge.models.split.WelsPlan;
import io.kebridge.models.transfer.Retarget;
import io.kebridge.models.transfer.WeightTransfer;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.ModelException;
import io.kebridge.models.weights.Weights;
import io.kebridge.training.TrainingException;
import io.kebridge.training.data.Batch;
import io.kebridge.training.data.BatchProducer;
import io.kebridge.training.data.Preprocessing;
import io.kebridge.training.optim.LrSchedule;
import io.kebridge.training.results.Baseline;
import io.kebridge.training.results.EpochMetrics;
import io.kebridge.training.results.InitRecord;
import io.kebridge.training.results.MetricsLog;
import io.kebridge.training.results.RunResult;
import io.kebridge.training.run.Checkpoints;
import io.kebridge.training.run.TrainingState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
 * epochs). Generation 1 starts from He-normal weights, or from another network's ({@link
 * KeConfig#initFrom}: every tensor whose name and shape match, measured on the test split before
 * the first step); before every further KE generation the
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
 * first checkpoint starts again. A checkpoint is written at the end of every generation, and at an
 * epoch's end in between once {@link #checkpointEvery} has passed since the last one (a killed run
 * loses at most that much training). {@link #cancel} may be called from any
 * thread; {@link #run} then returns at the next step with the run unfinished and its last
 * checkpoint valid. A loop runs once, on the calling thread; the loop itself prints nothing.
 */
public final class GenerationLoop {
  private static final Logger LOG = LoggerFactory.getLogger(GenerationLoop.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * How often a run checkpoints between generation ends. Every epoch costs a save of all variables
   * and momenta: about 5% of training where epochs take a third of a second (200 images), for
   * resume points nobody needs that close together.
   */
  public static final Duration DEFAULT_CHECKPOINT_INTERVAL = Duration.ofSeconds(10);

  private final KeConfig config;
  private final Baseline baseline;
  private final Path dir;
  private DataSplits data;
  private final List<TrainingListener> listeners = new CopyOnWriteArrayList<>();
  private volatile boolean cancelled;
  private boolean started;
  private Duration checkpointInterval = DEFAULT_CHECKPOINT_INTERVAL;

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
  public static GenerationLoop open(KeConfig given, Baseline baseline, DataSplits data, Path dir) {
    KeConfig saved = savedConfig(dir);
    KeConfig config = given;
    InitSource init = given.initFrom();
    if (init != null && !init.resolved()) {
      // a run records where its weights came from; continuing it keeps what it recorded
      boolean same = saved != null && saved.initFrom() != null
          && saved.initFrom().path().equals(init.path())
          && saved.initFrom().generation() == init.generation()
          && saved.toBuilder().initFrom(init).build().equals(given);
      config = same ? saved : given.resolved();
    }
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
    NetworkSpec spec = loop.network(train, false).spec();
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

  /**
   * Checkpoints at an epoch's end once {@code interval} has passed since the last checkpoint
   * ({@link Duration#ZERO}: after every epoch); generation ends always checkpoint. Returns this
   * loop.
   */
  public GenerationLoop checkpointEvery(Duration interval) {
    checkpointInterval = checkedInterval(interval);
    return this;
  }

  /** {@code interval}, refused when negative; the trainer checks its own setting with it. */
  static Duration checkedInterval(Duration interval) {
    if (interval.isNegative()) {
      throw new IllegalArgumentException("the checkpoint interval must not be negative");
    }
    return interval;
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
      return new RunResult(dir, state.generations(), state.epochs(), true, state.seconds(),
          state.init());
    }
    if (data == null) {
      data = Datasets.load(config.dataset());
    }
    Dataset train =
        config.perClass() > 0
            ? data.train().samplePerClass(config.perClass(), config.seed())
            : data.train();
    Setup setup = setup(train, data.test(), from != null);
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
            : setup.network.transfer() != null
                ? "from " + config.initFrom().describe() + ", "
                    + setup.network.transfer().summary()
                : "from scratch");
    return train(setup, checkpoints, state, from);
  }

  /** What a run needs before it trains, all of it checked before anything is written. */
  private record Setup(
      NetworkSpec spec,
      Network network,
      SplitPlan plan,
      Map<String, Mask> firstMasks,
      Dataset train,
      ChannelStats stats,
      Preprocessing prep,
      TestSet test) {}

  /**
   * The network a run trains and what it starts from.
   *
   * @param start the starting weights, or null for He-normal ones
   * @param normalization the preprocessing the starting weights were trained with (the source's
   *     card), or null for the training images' statistics
   * @param transfer what was loaded from the source, or null (a random start, or a resume)
   */
  private record Network(NetworkSpec spec, Weights start, ChannelStats normalization,
      WeightTransfer.Result transfer) {}

  private Setup setup(Dataset rawTrain, Dataset rawTest, boolean resuming) {
    Network net = network(rawTrain, resuming);
    NetworkSpec spec = net.spec();
    Dataset train = adapted(rawTrain, spec);
    Dataset test = adapted(rawTest, spec);
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
    ChannelStats stats = net.normalization() != null ? net.normalization() : train.stats();
    Preprocessing prep =
        new Preprocessing(train.shape(), stats, config.cropPadding(), config.flip(),
            config.augment());
    return new Setup(spec, net, plan, masks, train, stats, prep,
        TestSet.of(test, prep, config.evalSubset(), config.seed()));
  }

  /** {@code d} as the network takes it: resized and channel-converted as {@code ke data} does. */
  private static Dataset adapted(Dataset d, NetworkSpec spec) {
    try {
      return d.adaptedTo(spec.input().shape());
    } catch (ModelException e) {
      throw new TrainingException(e.getMessage(), e);
    }
  }

  /**
   * The network of the config for {@code train}: a built-in architecture built for its images
   * and classes, or, with {@link KeConfig#initFrom}, the source's network re-targeted to them (or a
   * built-in one taking the source's channels) with the source's matching tensors loaded. A
   * resumed run from another network's weights trains the network it saved.
   */
  private Network network(Dataset train, boolean resuming) {
    InitSource init = config.initFrom();
    if (init != null && resuming) {
      RunDirectory saved = RunDirectory.open(dir);
      return new Network(saved.spec(), null, saved.card().normalization(), null);
    }
    StoredNetwork source = init == null ? null : init.load();
    ActivationShape data = train.shape();
    NetworkSpec full;
    if (source != null && KeConfig.SOURCE_ARCHITECTURE.equals(config.architecture())) {
      try {
        full = Retarget.forData(source.spec(), train.classes(), data.height(), data.width())
            .spec();
      } catch (ModelException e) {
        throw new TrainingException("--init-from " + init.path() + ": " + e.getMessage(), e);
      }
    } else {
      ActivationShape in = data;
      if (source != null && convertible(data.channels(),
          source.spec().input().shape().channels())) {
        in = new ActivationShape(source.spec().input().shape().channels(), data.height(),
            data.width());
      }
      ArchitectureConfig.Stem stem = ArchitectureConfig.Stem.parse(config.stem());
      try {
        full = Architectures.build(config.architecture(),
            new ArchitectureConfig(in, train.classes(), config.width(), stem));
      } catch (ModelException e) {
        throw new TrainingException("cannot build " + config.architecture() + " for "
            + in + " images: " + e.getMessage(), e);
      }
    }
    NetworkSpec spec = full;
    ChannelPlan slimPlan = null;
    if (baseline == Baseline.SLIM_SCRATCH) {
      if (!(config.splitPlan() instanceof KelsPlan k)) {
        throw new TrainingException("the slim-scratch baseline needs a kels:S split");
      }
      slimPlan = k.channels(full);
      spec = slimPlan.slimSpec();
    }
    if (source == null) {
      return new Network(spec, null, null, null);
    }
    WeightTransfer.Result transfer =
        WeightTransfer.load(full, WeightInit.heNormal(full, config.seed()), source.weights());
    if (transfer.loaded().isEmpty()) {
      throw new TrainingException("--init-from " + init.path() + ": none of its "
          + source.weights().names().size() + " tensors has the name and shape of a parameter"
          + " of " + full.architecture() + " (" + transfer.fresh().get(0).describe() + ", ...);"
          + " train its own network with --arch " + KeConfig.SOURCE_ARCHITECTURE
          + ", or the architecture it was trained as");
    }
    Weights start = slimPlan == null ? transfer.weights() : slimPlan.cut(transfer.weights());
    ModelCard card = source.card();
    ChannelStats norm = card != null && card.input().channels() == spec.input().shape()
        .channels() ? card.normalization() : null;
    return new Network(spec, start, norm, transfer);
  }

  /** True when images of {@code from} channels feed a network of {@code to} ({@link
   * Dataset#adaptedTo}). */
  private static boolean convertible(int from, int to) {
    return from == to || from == 1 && to == 3 || from == 3 && to == 1;
  }

  private TrainingState parseState(Checkpoints.Checkpoint from) {
    try {
      TrainingState s = JSON.readValue(from.state(), TrainingState.class);
      if (s == null || s.generation() < 1 || s.epochsDone() < 0) {
        throw new TrainingException("checkpoint " + from.folder() + " has a corrupt state.json:"
            + " no valid generation and epoch");
      }
      return s;
    } catch (IOException e) {
      throw new TrainingException(JsonErrors.sentence("checkpoint state",
          from.folder().resolve("state.json"), e), e);
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
    // a network whose slim cut would not be the fit hypothesis (LRN) reports no slim accuracy
    boolean slimEval = baseline == null && s.plan.hasSlimNetwork(s.spec);
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
    long lastCheckpoint = t0;
    InitRecord init = state.init();
    try (KeGraph g = KeGraph.build(s.spec, settings)) {
      Evaluator eval = new Evaluator(g, s.test, config.evalBatchSize(), slimEval);
      if (from != null) {
        g.restore(from.variables());
      } else {
        g.loadWeights(s.network.start() != null ? s.network.start()
            : WeightInit.heNormal(s.spec, config.seed()));
        g.loadMasks(s.firstMasks);
        g.resetMomentum();
        // Only now, with the network built and its masks loaded, does the run write files.
        run.writeSpec(s.spec);
        AtomicFiles.writeString(dir.resolve(KeConfig.FILE), config.toJson());
        run.writeCard(card(s, 0, null));
        if (s.network.transfer() != null) {
          init = initRecord(s, eval.evaluate(s.test.size()));
          MetricsLog.write(dir.resolve(MetricsLog.FILE), init, List.of(), List.of(), null);
          for (TrainingListener l : listeners) {
            l.onInit(label(), init);
          }
        }
      }
      for (TrainingListener l : listeners) {
        l.onStart(label(), gens, epochs, steps, state.generation(), state.epochsDone());
      }
      LrSchedule schedule = config.lrSchedule();
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
            return cancelled(epochLog, genLog, priorSeconds + seconds(t0), init);
          }
          epochLog.add(m);
          MetricsLog.write(dir.resolve(MetricsLog.FILE), init, epochLog, genLog, null);
          for (TrainingListener l : listeners) {
            l.onEpochEnd(m);
          }
          // a run cancelled here keeps this epoch: the next step would drop it unsaved
          if (!last && (cancelled
              || System.nanoTime() - lastCheckpoint >= checkpointInterval.toNanos())) {
            checkpoint(checkpoints, g, new TrainingState(gen, e + 1, false,
                priorSeconds + seconds(t0), epochLog, genLog, init));
            lastCheckpoint = System.nanoTime();
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
            priorSeconds + seconds(t0), epochLog, genLog, init));
        lastCheckpoint = System.nanoTime();
        keStep += seconds(k0);
        record = record.withTimes(genSeconds, keStep);
        genLog.set(genLog.size() - 1, record);
        total = priorSeconds + seconds(t0);
        MetricsLog.write(dir.resolve(MetricsLog.FILE), init, epochLog, genLog,
            finished ? total : null);
        LOG.debug("{} generation {}/{}: dense {} slim {} ({} s, KE step {} s)", label(), gen,
            gens, fmt(record.denseAccuracy()),
            record.slimAccuracy() == null ? "-" : fmt(record.slimAccuracy()), fmt(genSeconds),
            fmt(keStep));
        for (TrainingListener l : listeners) {
          l.onGenerationEnd(record);
        }
      }
    }
    return new RunResult(dir, genLog, epochLog, true, total, init);
  }

  /** What the run loaded and how the starting weights did on the whole test split. */
  private InitRecord initRecord(Setup s, Evaluator.Accuracies start) {
    WeightTransfer.Result t = s.network.transfer();
    InitSource init = config.initFrom();
    return new InitRecord(init.file(), init.sha256(), t.loaded().size(),
        t.loaded().size() + t.fresh().size(),
        t.fresh().stream().map(WeightTransfer.Fresh::describe).toList(),
        s.spec.input().shape().toString(), !s.train.shape().equals(data.train().shape()),
        start.dense(), start.slim(), start.images());
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
      List<EpochMetrics> epochs, List<GenerationRecord> gens, double secs, InitRecord init) {
    LOG.info("{} run cancelled; resume from {}", label(), dir);
    return new RunResult(dir, gens, epochs, false, secs, init);
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
    ModelCard.Builder b = ModelCard.builder(s.train.classNames(), s.train.shape())
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
        .set(CardKey.CONFIG_HASH, config.hash());
    if (config.initFrom() != null && config.initFrom().resolved()) {
      b.source(CardKey.INIT_FROM, config.initFrom().source());
    }
    return b.build();
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
