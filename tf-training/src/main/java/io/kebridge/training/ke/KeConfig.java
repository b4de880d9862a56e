package io.kebridge.training.ke;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonPOJOBuilder;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.kebridge.models.ModelException;
import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.card.SourceFile;
import io.kebridge.models.io.JsonErrors;
import io.kebridge.models.split.SplitPlan;
import io.kebridge.models.split.WelsPlan;
import io.kebridge.training.TrainingException;
import io.kebridge.training.graph.TfDevice;
import io.kebridge.training.optim.LrSchedule;
import io.kebridge.training.results.Baseline;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Everything a KE run is asked to do, immutable; read from JSON or YAML ({@link #read}) and built
 * with {@link #builder()}, whose defaults follow the KE reference recipe (Taha et al., CVPR 2021:
 * SGD momentum 0.9, weight decay 1e-4, label smoothing 0.1, cosine schedule with warm-up, KELS
 * split 0.5, reference re-init) scaled down from 200-epoch generations on GPUs to minutes on two
 * CPU cores. Each default is documented on its builder method.
 */
@JsonDeserialize(builder = KeConfig.Builder.class)
public record KeConfig(
    String dataset,
    int perClass,
    String architecture,
    int width,
    String stem,
    InitSource initFrom,
    int generations,
    int epochs,
    int batchSize,
    double learningRate,
    double momentum,
    double weightDecay,
    double labelSmoothing,
    LrSchedule.Kind schedule,
    int warmupEpochs,
    int stepEpochs,
    double stepGamma,
    String split,
    boolean redrawSplit,
    ReinitRule reinit,
    long seed,
    boolean augment,
    boolean flip,
    int cropPadding,
    int evalEvery,
    int evalSubset,
    int evalBatchSize,
    TfDevice device,
    int threads,
    List<Baseline> baselines) {

  /**
   * The architecture that is the network of {@link #initFrom()} itself (the default when a run
   * starts from one), re-targeted to the data's classes and image size where it allows.
   */
  public static final String SOURCE_ARCHITECTURE = "source";

  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
          .enable(SerializationFeature.INDENT_OUTPUT)
          .build();
  private static final ObjectMapper YAML =
      JsonMapper.builder(new YAMLFactory())
          .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS)
          .build();

  public KeConfig {
    baselines = List.copyOf(baselines == null ? List.of() : baselines);
    validate(
        dataset, perClass, architecture, width, stem, initFrom, generations, epochs, batchSize,
        learningRate, momentum, weightDecay, labelSmoothing, schedule, warmupEpochs, stepEpochs,
        stepGamma, split, redrawSplit, reinit, seed, augment, flip, cropPadding, evalEvery,
        evalSubset, evalBatchSize, device, threads, baselines);
  }

  /**
   * Checks every value before anything uses the config, so that an invalid config is refused
   * before a run writes its first file.
   */
  private static void validate(
      String dataset, int perClass, String architecture, int width, String stem,
      InitSource initFrom, int generations, int epochs, int batchSize, double learningRate,
      double momentum,
      double weightDecay, double labelSmoothing, LrSchedule.Kind schedule, int warmupEpochs,
      int stepEpochs, double stepGamma, String split, boolean redrawSplit, ReinitRule reinit,
      long seed, boolean augment, boolean flip, int cropPadding, int evalEvery, int evalSubset,
      int evalBatchSize, TfDevice device, int threads, List<Baseline> baselines) {
    need(dataset != null && !dataset.isBlank(), "a dataset is required");
    need(perClass >= 0, "per-class must be >= 0 (0 = all images), got " + perClass);
    boolean source = SOURCE_ARCHITECTURE.equals(architecture);
    need(architecture != null && (source
            || Architectures.NAMES.contains(architecture.toLowerCase(Locale.ROOT))),
        "unknown architecture '" + architecture + "', expected one of " + Architectures.NAMES
            + (initFrom != null ? " or " + SOURCE_ARCHITECTURE + " (the network of --init-from)"
                : ""));
    need(!source || initFrom != null, "architecture '" + SOURCE_ARCHITECTURE + "' is the network"
        + " of --init-from; give --init-from DIR or a built-in architecture");
    need(width >= 0, "width must be >= 0 (0 = the architecture's default), got " + width);
    need(!source || width == 0 && "auto".equalsIgnoreCase(stem), "--width and --stem build a"
        + " built-in architecture; the network of --init-from keeps its own (give --arch NAME to"
        + " build one and load the matching tensors into it)");
    need(generations >= 1, "generations must be >= 1, got " + generations);
    need(epochs >= 1, "epochs per generation must be >= 1, got " + epochs);
    need(batchSize >= 2, "batch size must be >= 2 (batch-norm needs two images), got " + batchSize);
    need(learningRate > 0, "learning rate must be > 0, got " + learningRate);
    need(momentum >= 0 && momentum < 1, "momentum must be in [0, 1), got " + momentum);
    need(weightDecay >= 0, "weight decay must be >= 0, got " + weightDecay);
    need(labelSmoothing >= 0 && labelSmoothing < 1,
        "label smoothing must be in [0, 1), got " + labelSmoothing);
    need(evalBatchSize >= 1, "evaluation batch size must be >= 1, got " + evalBatchSize);
    need(evalEvery >= 0,
        "eval-every must be >= 0 epochs (0 = only at the end of each generation), got "
            + evalEvery);
    need(evalSubset >= 0,
        "eval-subset must be >= 0 images (0 = the whole test split), got " + evalSubset);
    need(threads >= 0, "threads must be >= 0 (0 = TensorFlow's choice), got " + threads);
    need(schedule != null, "a learning-rate schedule is required (cosine, step, constant)");
    need(warmupEpochs >= 0, "warm-up epochs must be >= 0, got " + warmupEpochs);
    need(stepEpochs >= 1, "step-epochs (epochs between decays of the step schedule) must be "
        + ">= 1, got " + stepEpochs);
    need(stepGamma > 0, "step-gamma (the step schedule's decay factor) must be > 0, got "
        + stepGamma);
    need(cropPadding >= -1, "crop padding must be >= 0 pixels (-1 = size/8), got "
        + cropPadding);
    need(reinit != null, "a re-init rule is required (reference, initial, zero)");
    need(device != null, "a device is required (cpu, gpu)");
    need(stem != null, "a stem is required (auto, cifar, imagenet)");
    try {
      ArchitectureConfig.Stem.parse(stem);
    } catch (IllegalArgumentException e) {
      throw new TrainingException(e.getMessage(), e);
    }
    // the schedule's own checks, with the values above already in range
    new LrSchedule(schedule, learningRate, warmupEpochs, stepEpochs, stepGamma);
    SplitPlan plan;
    try {
      plan = SplitPlan.parse(split, seed);
    } catch (ModelException e) {
      throw new TrainingException(e.getMessage(), e);
    }
    need(!redrawSplit || plan instanceof WelsPlan,
        "--redraw-split draws a new WELS mask every generation; it needs a wels:S split, got "
            + split);
    need(!baselines.contains(Baseline.SLIM_SCRATCH) || plan.hasSlimNetwork(),
        "the slim-scratch baseline needs a split with a slim network (kels:S), got " + split);
  }

  /**
   * True when epoch {@code epoch} (1-based) of a generation of {@code epochs} epochs ends with an
   * evaluation: every {@code evalEvery} epochs, and always the generation's last.
   */
  public boolean evaluatesAfter(int epoch, int epochs) {
    return epoch == epochs || (evalEvery > 0 && epoch % evalEvery == 0);
  }

  /**
   * Test images of an evaluation after {@code epoch}: the generation's last epoch always uses the
   * whole split ({@code testSize}), the checks in between {@code evalSubset} of them (0 = all).
   */
  public int evaluationImages(int epoch, int epochs, int testSize) {
    if (epoch == epochs || evalSubset == 0) {
      return testSize;
    }
    return Math.min(evalSubset, testSize);
  }

  private static void need(boolean ok, String message) {
    if (!ok) {
      throw new TrainingException(message);
    }
  }

  /**
   * This config with its {@link #initFrom()} resolved (its weights file named and hashed), which
   * is what a run records; the config itself when it has none or already resolved it.
   *
   * @throws TrainingException when the folder holds no network
   */
  public KeConfig resolved() {
    return initFrom == null || initFrom.resolved() ? this
        : toBuilder().initFrom(initFrom.resolve()).build();
  }

  /** The split plan this config asks for. */
  public SplitPlan splitPlan() {
    return SplitPlan.parse(split, seed);
  }

  /** The learning-rate schedule of one generation. */
  public LrSchedule lrSchedule() {
    return new LrSchedule(schedule, learningRate, warmupEpochs, stepEpochs, stepGamma);
  }

  /** A builder with the recipe's defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from this config. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** The config as JSON (the form a run directory keeps). */
  public String toJson() {
    try {
      return JSON.writeValueAsString(this);
    } catch (IOException e) {
      throw new TrainingException("cannot encode the training config: " + e.getMessage(), e);
    }
  }

  /**
   * The SHA-256 of {@link #toJson()}'s UTF-8 bytes, which is what a run's {@code config.json}
   * holds: the config hash its model card records ({@code ke.config_hash}), checkable with {@code
   * sha256sum config.json}.
   */
  public String hash() {
    return SourceFile.sha256(toJson().getBytes(StandardCharsets.UTF_8));
  }

  /** The file that holds a run's config inside its run directory. */
  public static final String FILE = "config.json";

  /**
   * The config a run directory was trained with.
   *
   * @throws TrainingException when the folder holds no run or its config is unreadable
   */
  public static KeConfig ofRun(Path runDir) {
    Path file = runDir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new TrainingException(runDir + " is not a training run directory (no " + FILE + ")");
    }
    String json;
    try {
      json = Files.readString(file);
    } catch (IOException e) {
      throw new TrainingException("cannot read the run's config " + file + ": "
          + JsonErrors.describe(e), e);
    }
    try {
      KeConfig c = JSON.readValue(json, KeConfig.class);
      if (c == null) {
        throw new TrainingException("the run's config " + file + " holds null, not a config");
      }
      return c;
    } catch (IOException e) {
      if (e.getCause() instanceof TrainingException t) {
        throw new TrainingException("the run's config " + file + " is not valid: "
            + t.getMessage(), t);
      }
      throw new TrainingException(JsonErrors.sentence("the run's config", file, e), e);
    }
  }

  /** Reads a JSON config. */
  public static KeConfig fromJson(String json) {
    try {
      KeConfig c = JSON.readValue(json, KeConfig.class);
      if (c == null) {
        throw new TrainingException("invalid training config: null");
      }
      return c;
    } catch (IOException e) {
      if (e.getCause() instanceof TrainingException t) {
        throw new TrainingException("invalid training config: " + t.getMessage(), t);
      }
      throw new TrainingException("invalid training config: " + JsonErrors.describe(e), e);
    }
  }

  /**
   * Reads a JSON ({@code .json}) or YAML ({@code .yaml}, {@code .yml}) config file into a builder,
   * so that command-line options can override it; keys missing from the file keep the defaults.
   */
  public static Builder read(Path file) {
    return fromTree(readTree(file), file);
  }

  /**
   * Reads a JSON or YAML file (by its extension) into a tree of keys, for files that hold more
   * than a config (a sweep file adds {@code seeds} and {@code splits}).
   */
  public static ObjectNode readTree(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new TrainingException("config file " + file + " does not exist");
    }
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    ObjectMapper mapper = name.endsWith(".yaml") || name.endsWith(".yml") ? YAML : JSON;
    try {
      JsonNode tree = mapper.readTree(file.toFile());
      if (tree == null || tree.isMissingNode() || tree.isNull()) {
        return JSON.createObjectNode();
      }
      if (!(tree instanceof ObjectNode o)) {
        throw new TrainingException("invalid config file " + file + ": expected keys and values, "
            + "got " + tree.getNodeType().name().toLowerCase(Locale.ROOT));
      }
      return o;
    } catch (IOException e) {
      throw new TrainingException("invalid config file " + file + ": " + JsonErrors.describe(e),
          e);
    }
  }

  /** A builder from a tree of config keys read from {@code source}; unknown keys are errors. */
  public static Builder fromTree(JsonNode tree, Path source) {
    try {
      KeConfig read =
          JSON.readerFor(KeConfig.class)
              .with(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
              .readValue(tree);
      Builder b = read.toBuilder();
      if (!tree.has("architecture")) {
        b.architecture(null); // the default follows initFrom, which options may still set
      }
      return b;
    } catch (IOException e) {
      if (e.getCause() instanceof TrainingException t) {
        throw new TrainingException("invalid config file " + source + ": " + t.getMessage(), t);
      }
      throw new TrainingException("invalid config file " + source + ": "
          + JsonErrors.describe(e), e);
    }
  }

  /** Builds a {@link KeConfig}; every setter documents its default. */
  @JsonPOJOBuilder(withPrefix = "")
  @JsonIgnoreProperties(ignoreUnknown = false)
  public static final class Builder {
    private String dataset = "fashion-mnist-small";
    private int perClass = 0;
    private String architecture = null;
    private int width = 0;
    private String stem = "auto";
    private InitSource initFrom = null;
    private int generations = 3;
    private int epochs = 10;
    private int batchSize = 32;
    private double learningRate = 0.05;
    private double momentum = 0.9;
    private double weightDecay = 1e-4;
    private double labelSmoothing = 0.1;
    private LrSchedule.Kind schedule = LrSchedule.Kind.COSINE;
    private int warmupEpochs = 1;
    private int stepEpochs = 3;
    private double stepGamma = 0.1;
    private String split = "kels:0.5";
    private boolean redrawSplit = false;
    private ReinitRule reinit = ReinitRule.REFERENCE;
    private long seed = 0;
    private boolean augment = true;
    private boolean flip = false;
    private int cropPadding = -1;
    private int evalEvery = 0;
    private int evalSubset = 0;
    private int evalBatchSize = 500;
    private TfDevice device = TfDevice.CPU;
    private int threads = 0;
    private List<Baseline> baselines = List.of();

    Builder() {}

    Builder(KeConfig c) {
      dataset = c.dataset;
      perClass = c.perClass;
      architecture = c.architecture;
      width = c.width;
      stem = c.stem;
      initFrom = c.initFrom;
      generations = c.generations;
      epochs = c.epochs;
      batchSize = c.batchSize;
      learningRate = c.learningRate;
      momentum = c.momentum;
      weightDecay = c.weightDecay;
      labelSmoothing = c.labelSmoothing;
      schedule = c.schedule;
      warmupEpochs = c.warmupEpochs;
      stepEpochs = c.stepEpochs;
      stepGamma = c.stepGamma;
      split = c.split;
      redrawSplit = c.redrawSplit;
      reinit = c.reinit;
      seed = c.seed;
      augment = c.augment;
      flip = c.flip;
      cropPadding = c.cropPadding;
      evalEvery = c.evalEvery;
      evalSubset = c.evalSubset;
      evalBatchSize = c.evalBatchSize;
      device = c.device;
      threads = c.threads;
      baselines = c.baselines;
    }

    /** Dataset name or path (default {@code fashion-mnist-small}, embedded). */
    public Builder dataset(String v) {
      dataset = v;
      return this;
    }

    /** Training images per class, drawn with the seed (default 0 = all): KE's small-data regime. */
    public Builder perClass(int v) {
      perClass = v;
      return this;
    }

    /**
     * Architecture (default {@code small-cnn}: trains in seconds on 2 cores; with {@link
     * #initFrom} {@value KeConfig#SOURCE_ARCHITECTURE}, the network of the weights). A built-in
     * architecture with {@code initFrom} is built for the data and loads every tensor of the
     * source whose name and shape match.
     */
    public Builder architecture(String v) {
      architecture = v;
      return this;
    }

    /**
     * Start generation 1 from another network's weights (default none: He-normal): an imported or
     * slim folder, or a run folder's generation. Every tensor whose name and shape match is
     * loaded; the rest (a classifier with another class count) keeps its fresh initialisation.
     */
    public Builder initFrom(InitSource v) {
      initFrom = v;
      return this;
    }

    /** Base width (default 0 = the architecture's own, 16 for small-cnn, 64 for ResNets). */
    public Builder width(int v) {
      width = v;
      return this;
    }

    /** ResNet stem: auto (default; CIFAR stem below 64 pixels), cifar, imagenet. */
    public Builder stem(String v) {
      stem = v;
      return this;
    }

    /**
     * Generations (default 3; the reference runs 10 on Flower-102, 3 already shows the slim
     * network catching up with the dense one).
     */
    public Builder generations(int v) {
      generations = v;
      return this;
    }

    /**
     * Epochs per generation (default 10; the reference trains 200 on datasets of a few thousand
     * images, 10 is where the embedded 1,000-image set stops improving on 2 cores in seconds).
     */
    public Builder epochs(int v) {
      epochs = v;
      return this;
    }

    /** Batch size (default 32, the reference's). */
    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    /**
     * Peak learning rate (default 0.05: a batch-32 SGD rate for batch-norm CNNs; the reference's
     * 0.256 belongs to its ResNet and GPU batch sizes).
     */
    public Builder learningRate(double v) {
      learningRate = v;
      return this;
    }

    /** SGD momentum (default 0.9, the reference's). */
    public Builder momentum(double v) {
      momentum = v;
      return this;
    }

    /** L2 weight decay on every parameter (default 1e-4, the reference's). */
    public Builder weightDecay(double v) {
      weightDecay = v;
      return this;
    }

    /** Label smoothing (default 0.1, the reference's). */
    public Builder labelSmoothing(double v) {
      labelSmoothing = v;
      return this;
    }

    /** Schedule: cosine (default, the reference's), step, constant. */
    public Builder schedule(LrSchedule.Kind v) {
      schedule = v;
      return this;
    }

    /**
     * Linear warm-up epochs at the start of every generation (default 1: the reference's 5 of 200
     * epochs, rounded up for 10-epoch generations).
     */
    public Builder warmupEpochs(int v) {
      warmupEpochs = v;
      return this;
    }

    /** Step schedule: epochs between decays (default 3). */
    public Builder stepEpochs(int v) {
      stepEpochs = v;
      return this;
    }

    /** Step schedule: decay factor (default 0.1). */
    public Builder stepGamma(double v) {
      stepGamma = v;
      return this;
    }

    /** Split: kels:S (default kels:0.5, the reference's), wels:S, llf:LAYER. */
    public Builder split(String v) {
      split = v;
      return this;
    }

    /** Draw a new WELS mask every generation (default false). */
    public Builder redrawSplit(boolean v) {
      redrawSplit = v;
      return this;
    }

    /** Re-initialisation rule: reference (default), initial, zero. */
    public Builder reinit(ReinitRule v) {
      reinit = v;
      return this;
    }

    /** Seed of initialisation, data order, augmentation, WELS masks and re-init (default 0). */
    public Builder seed(long v) {
      seed = v;
      return this;
    }

    /** Training augmentation (default true). */
    public Builder augment(boolean v) {
      augment = v;
      return this;
    }

    /** Random horizontal flips (default false: they turn digits into other symbols). */
    public Builder flip(boolean v) {
      flip = v;
      return this;
    }

    /** Zero padding before the random crop (default -1 = size/8: 4 pixels at 28-32). */
    public Builder cropPadding(int v) {
      cropPadding = v;
      return this;
    }

    /**
     * Evaluate dense and slim every N epochs of a generation as well (default 0: only at the end
     * of each generation, as the reference does; the generation's last epoch is always
     * evaluated, on the whole test split).
     */
    public Builder evalEvery(int v) {
      evalEvery = v;
      return this;
    }

    /**
     * Test images of the in-between evaluations that {@link #evalEvery} asks for (default 0: the
     * whole test split), a fixed seeded sample; the end of a generation always uses every image.
     */
    public Builder evalSubset(int v) {
      evalSubset = v;
      return this;
    }

    /**
     * The key of configs written before {@link #evalEvery} existed: true is {@code evalEvery(1)},
     * false {@code evalEvery(0)}. Kept so that older run folders resume.
     *
     * @deprecated use {@link #evalEvery}
     */
    @Deprecated
    public Builder evaluateEveryEpoch(boolean v) {
      evalEvery = v ? 1 : 0;
      return this;
    }

    /** Images per evaluation batch (default 500). */
    public Builder evalBatchSize(int v) {
      evalBatchSize = v;
      return this;
    }

    /** cpu (default) or gpu (needs the -Pgpu build and a CUDA GPU; never a silent fallback). */
    public Builder device(TfDevice v) {
      device = v;
      return this;
    }

    /** TensorFlow intra- and inter-op threads (default 0 = TensorFlow's choice). */
    public Builder threads(int v) {
      threads = v;
      return this;
    }

    /** Control runs beside KE (default none). */
    public Builder baselines(List<Baseline> v) {
      baselines = v;
      return this;
    }

    /** The config; fails with the first invalid value. */
    public KeConfig build() {
      String arch = architecture != null ? architecture
          : initFrom != null ? SOURCE_ARCHITECTURE : "small-cnn";
      return new KeConfig(
          dataset, perClass, arch, width, stem, initFrom, generations, epochs, batchSize,
          learningRate, momentum, weightDecay, labelSmoothing, schedule, warmupEpochs, stepEpochs,
          stepGamma, split, redrawSplit, reinit, seed, augment, flip, cropPadding, evalEvery,
          evalSubset, evalBatchSize, device, threads, baselines);
    }
  }
}
