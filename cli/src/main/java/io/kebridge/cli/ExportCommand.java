package io.kebridge.cli;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.kebridge.models.ModelException;
import io.kebridge.models.card.CardKey;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.data.DataSplits;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.data.Datasets;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.onnx.OnnxFormat;
import io.kebridge.onnx.export.ExportOptions;
import io.kebridge.onnx.export.OnnxExporter;
import io.kebridge.onnx.export.VerifiedExport;
import io.kebridge.onnx.graph.OnnxFiles;
import io.kebridge.onnx.quantize.CalibrationSet;
import io.kebridge.onnx.quantize.QuantizationSettings;
import io.kebridge.onnx.quantize.QuantizedExport;
import io.kebridge.onnx.quantize.Quantizer;
import io.kebridge.onnx.repository.ModelRepository;
import io.kebridge.onnx.runtime.OrtSettings;
import io.kebridge.training.graph.TfForward;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ke export}: a run's generation, its KELS slim network, or a slim/imported folder as an
 * ONNX model, verified against the TensorFlow graph on real test images unless {@code
 * --no-verify}, optionally as a Triton-style model repository entry.
 */
@Command(
    name = "export",
    header = "Export a network as ONNX (dense, slim or INT8), checked against TensorFlow.",
    // no mixinStandardHelpOptions: its -V/--version would swallow the repository option
    // --version V; ke's own version stays available as "ke --version"
    description = {
      "Export a network as ONNX (IR 8, opset 17; input 'input' NCHW float32 with a dynamic batch,",
      "outputs 'logits' and 'probs'; the model card in metadata_props). Every export is checked",
      "against the TensorFlow graph on test images of the card's dataset: the max abs and relative",
      "logit difference and top-1 agreement are printed and stored in the metadata, and the export",
      "fails above a relative difference of 1e-4 or on any top-1 disagreement.",
      "--quantize int8 writes the INT8 model instead: calibrated on training images of the card's",
      "dataset, checked to fuse into ONNX Runtime's integer kernels, and failed when it loses more",
      "top-1 accuracy on the test images than --max-accuracy-loss (figures in ke.quantization.*)."
    })
public final class ExportCommand implements Runnable {

  @Parameters(index = "0", paramLabel = "RUN_DIR|SLIM_DIR",
      description = "A run directory (weights per generation) or a slim or imported folder.")
  Path source;

  @Option(names = "--out", paramLabel = "FILE",
      description = "ONNX file to write (needed unless --repository is given).")
  Path out;

  @Option(names = "--slim",
      description = "Cut the KELS slim network out of the run's generation and export that.")
  boolean slim;

  @Option(names = "--generation", paramLabel = "N",
      description = "Generation of a run to export (default: the last finished one).")
  Integer generation;

  @Option(names = "--fold-batchnorm",
      description = "Fold each batch-norm into the convolution before it (fewer nodes).")
  boolean foldBatchNorm;

  @Option(names = "--no-verify", description = "Skip the parity check against TensorFlow.")
  boolean noVerify;

  @Option(names = "--data", paramLabel = "NAME|PATH",
      description = "Dataset whose test images the parity check uses (default: the card's).")
  String data;

  @Option(names = "--parity-images", defaultValue = "32", paramLabel = "N",
      description = "Test images in the parity batch (default: ${DEFAULT-VALUE}).")
  int parityImages;

  @Option(names = "--repository", paramLabel = "REPO",
      description = "Also write REPO/NAME/V/model.onnx and REPO/NAME/config.pbtxt (Triton layout).")
  Path repository;

  @Option(names = "--name", paramLabel = "NAME", description = "Model name in the repository.")
  String name;

  @Option(names = "--version", defaultValue = "1", paramLabel = "V",
      description = "Model version in the repository (default: ${DEFAULT-VALUE}).")
  int version;

  @Option(names = "--max-batch-size", defaultValue = "64", paramLabel = "N",
      description = "max_batch_size written to config.pbtxt (default: ${DEFAULT-VALUE}).")
  int maxBatchSize;

  @CommandLine.Mixin QuantizeOptions int8;

  @Option(names = "--max-accuracy-loss", paramLabel = "POINTS", defaultValue = "1.0",
      description = "With --quantize: the most top-1 accuracy points INT8 may lose (default:"
          + " ${DEFAULT-VALUE}).")
  double maxAccuracyLoss;

  @Option(names = "--test-images", paramLabel = "N", defaultValue = "0",
      description = "With --quantize: test images of the accuracy check, a share of every class"
          + " (default: all).")
  int testImages;

  @Option(names = {"-h", "--help"}, usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @Spec CommandLine.Model.CommandSpec command;

  @Override
  public void run() {
    if (out == null && repository == null) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "give --out FILE, --repository REPO --name NAME, or both");
    }
    if (repository != null && name == null) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "--repository needs --name NAME");
    }
    if (parityImages <= 0) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "--parity-images must be positive, got " + parityImages);
    }
    boolean quantize = int8.enabled("--max-accuracy-loss", "--test-images");
    QuantizationSettings int8Settings = quantize ? int8.settings(maxAccuracyLoss) : null;
    if (testImages < 0) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "--test-images must be 0 (all) or positive, got " + testImages);
    }
    PrintWriter console = command.commandLine().getOut();
    ModelSource.Loaded net = ModelSource.load(source, generation, slim);
    if (net.card() == null) {
      throw new ModelException(source + " has no card.json (labels, input, normalisation):"
          + " import the model again with ke import, which writes one");
    }
    ModelCard card = net.card().toBuilder()
        .source(CardKey.EXPORT_SOURCE, net.source())
        .set(CardKey.EXPORT_KE_BRIDGE_VERSION, Main.version())
        .build();
    console.printf(Locale.ROOT, "exporting %s: %s, %d layers, input %s, %d classes%n", source,
        net.what(), net.spec().layers().size(), net.spec().input().shape(), net.spec().classes());
    ExportOptions options = ExportOptions.defaults().withFoldBatchNorm(foldBatchNorm);
    ModelProto model;
    if (noVerify) {
      model = OnnxExporter.export(net.spec(), net.weights(), card, options);
      console.println("parity check skipped (--no-verify)");
    } else {
      float[][] images = parityImages(card, net.spec(), console);
      VerifiedExport.Result r = VerifiedExport.export(net.spec(), net.weights(), card, options,
          TfForward::open, "tensorflow", images, OrtSettings.defaults());
      model = r.model();
      console.println(r.parity().describe());
    }
    if (quantize) {
      model = quantize(model, card, net.spec(), int8Settings, console);
    }
    if (out != null) {
      OnnxFiles.write(model, out);
      console.printf(Locale.ROOT, "wrote %s (%,d bytes, %d nodes, IR %d, opset %d)%n", out,
          model.getSerializedSize(), model.getGraph().getNodeCount(), OnnxFormat.IR_VERSION,
          OnnxFormat.OPSET);
    }
    if (repository != null) {
      Path file = ModelRepository.write(repository, name, version, model, maxBatchSize);
      console.printf(Locale.ROOT, "wrote %s and %s%n", file,
          repository.resolve(name).resolve(ModelRepository.CONFIG_FILE));
    }
    console.flush();
  }

  /**
   * The INT8 model of {@code fp32}: calibrated on training images of the card's dataset with its
   * normalisation, fused and gated on its test images; prints what each step found.
   */
  private ModelProto quantize(ModelProto fp32, ModelCard card, NetworkSpec spec,
      QuantizationSettings settings, PrintWriter console) {
    Quantizer.checkSupported(fp32); // refuse unsupported layers before loading any data
    DataSplits splits = dataset(card, "the INT8 calibration and accuracy check");
    ActivationShape in = spec.input().shape();
    CalibrationSet calibration = CalibrationSet.fromDataset(splits.train().adaptedTo(in),
        card.normalization(), int8.calibration, int8.seed);
    Dataset test = splits.test();
    if (testImages > 0) {
      test = sample(test, testImages);
    }
    test = test.adaptedTo(in);
    console.printf(Locale.ROOT, "INT8: %s, calibration on %s%n", settings.describe(),
        calibration.description());
    console.flush();
    QuantizedExport.Result q = QuantizedExport.export(fp32, calibration, test,
        card.normalization(), settings, OrtSettings.defaults());
    console.printf(Locale.ROOT, "INT8: folded %d batch-norms; ONNX Runtime fused %s%n",
        q.quantized().foldedBatchNorms(), q.fusion().describe());
    console.println(q.accuracy().describe(settings.maxAccuracyLoss()));
    return q.model();
  }

  /** The card's dataset (or {@code --data}), or null when neither names one. */
  private String datasetName(ModelCard card) {
    return data != null ? data : card.get(CardKey.DATASET).orElse(null);
  }

  /**
   * The card's dataset (or {@code --data}); images of another shape than the network's input are
   * resized and channel-converted as {@code ke eval} does, by the caller ({@link
   * Dataset#adaptedTo}) on the images it uses.
   */
  private DataSplits dataset(ModelCard card, String purpose) {
    String dataset = datasetName(card);
    if (dataset == null) {
      throw new ModelException("the model card names no dataset (" + CardKey.DATASET
          .metadataKey() + "); pass --data NAME|PATH for " + purpose);
    }
    return Datasets.load(dataset);
  }

  /** At most {@code n} images, a fixed share of every class, in the data's order. */
  private static Dataset sample(Dataset d, int n) {
    int perClass = Math.max(1, (n + d.classes() - 1) / d.classes());
    Dataset s = d.samplePerClass(perClass, 0);
    int[] first = new int[Math.min(n, s.size())];
    for (int i = 0; i < first.length; i++) {
      first[i] = i;
    }
    return s.select(first, s.name());
  }

  /**
   * The first test images of the card's dataset, a fixed share of every class, normalised; where
   * neither the card nor {@code --data} names a dataset (an imported model), seeded random
   * pixels in [0, 1], normalised the same way.
   */
  private float[][] parityImages(ModelCard card, NetworkSpec spec, PrintWriter console) {
    float[][] images = new float[parityImages][];
    if (datasetName(card) == null) {
      SplittableRandom r = new SplittableRandom(1);
      int size = (int) spec.input().shape().elements();
      for (int i = 0; i < images.length; i++) {
        float[] x = new float[size];
        for (int j = 0; j < size; j++) {
          x[j] = (float) r.nextDouble();
        }
        images[i] = card.normalization().normalize(x);
      }
      console.printf(Locale.ROOT, "parity on %d random images: the card names no dataset (give"
          + " --data for real ones)%n", images.length);
      return images;
    }
    Dataset sample = sample(dataset(card, "the parity images, or --no-verify").test(),
        parityImages).adaptedTo(spec.input().shape());
    images = new float[sample.size()][];
    for (int i = 0; i < images.length; i++) {
      images[i] = card.normalization().normalize(sample.image(i));
    }
    return images;
  }
}
