package io.kebridge.cli;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.kebridge.models.ModelException;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.data.Dataset;
import io.kebridge.models.data.Datasets;
import io.kebridge.models.run.GenerationRecord;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.SplitPlan;
import io.kebridge.models.weights.SafeTensors;
import io.kebridge.models.weights.Weights;
import io.kebridge.onnx.OnnxFormat;
import io.kebridge.onnx.export.ExportOptions;
import io.kebridge.onnx.export.OnnxExporter;
import io.kebridge.onnx.export.VerifiedExport;
import io.kebridge.onnx.graph.OnnxFiles;
import io.kebridge.onnx.repository.ModelRepository;
import io.kebridge.onnx.runtime.OrtSettings;
import io.kebridge.prune.cut.SlimNetwork;
import io.kebridge.prune.cut.SlimPruner;
import io.kebridge.prune.store.SlimFolder;
import io.kebridge.training.graph.TfForward;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
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
    // no mixinStandardHelpOptions: its -V/--version would swallow the repository option
    // --version V; ke's own version stays available as "ke --version"
    description = {
      "Export a network as ONNX (IR 8, opset 17; input 'input' NCHW float32 with a dynamic batch,",
      "outputs 'logits' and 'probs'; the model card in metadata_props). Every export is checked",
      "against the TensorFlow graph on test images of the card's dataset: the max abs and relative",
      "logit difference and top-1 agreement are printed and stored in the metadata, and the export",
      "fails above a relative difference of 1e-4 or on any top-1 disagreement."
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

  @Option(names = {"-h", "--help"}, usageHelp = true,
      description = "Show this help message and exit.")
  boolean help;

  @Spec CommandLine.Model.CommandSpec command;

  /** What is exported: spec, weights, card, and a label for the console. */
  private record Network(
      NetworkSpec spec, Weights weights, ModelCard card, String what, Path weightsFile) {}

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
    PrintWriter console = command.commandLine().getOut();
    Network net = load(RunDirectory.open(source));
    ModelCard card = net.card()
        .withExtra("export.source", source.toAbsolutePath().normalize().toString())
        .withExtra("export.weights_sha256", sha256(net.weightsFile()))
        .withExtra("export.ke_bridge_version", Main.version());
    console.printf(Locale.ROOT, "exporting %s: %s, %d layers, input %s, %d classes%n", source,
        net.what(), net.spec().layers().size(), net.spec().input().shape(), net.spec().classes());
    ExportOptions options = ExportOptions.defaults().withFoldBatchNorm(foldBatchNorm);
    ModelProto model;
    if (noVerify) {
      model = OnnxExporter.export(net.spec(), net.weights(), card, options);
      console.println("parity check skipped (--no-verify)");
    } else {
      float[][] images = parityImages(card, net.spec());
      VerifiedExport.Result r = VerifiedExport.export(net.spec(), net.weights(), card, options,
          TfForward::open, "tensorflow", images, OrtSettings.defaults());
      model = r.model();
      console.println(r.parity().describe());
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

  private Network load(RunDirectory dir) {
    NetworkSpec spec = dir.spec();
    ModelCard card = dir.card();
    boolean folder = Files.isRegularFile(dir.weightsFile());
    if (!slim && generation == null && folder) {
      Weights w = SafeTensors.read(dir.weightsFile()).weights();
      return new Network(spec, w, card, card.network() + " " + spec.architecture(),
          dir.weightsFile());
    }
    if (dir.generations().isEmpty()) {
      throw new ModelException(folder
          ? source + " is a slim or imported folder (weights.safetensors, no generations): export"
              + " it without --slim and --generation"
          : source + " has neither weights.safetensors nor finished generations");
    }
    int g = generation != null ? generation : dir.latestGeneration();
    SafeTensors.Contents contents = dir.generationWeights(g);
    GenerationRecord record = GenerationRecord.fromMetadata(g, contents.metadata());
    if (!slim) {
      Double acc = record.denseAccuracy();
      ModelCard dense = new ModelCard(card.architecture(), "dense", card.split(), g,
          card.labels(), card.input(), card.layout(), card.mean(), card.std(), acc,
          card.version(), card.extra());
      return new Network(spec, contents.weights(), dense,
          "dense " + spec.architecture() + " generation " + g, dir.generationWeightsFile(g));
    }
    SplitPlan plan = SplitPlan.parse(card.split(), 0);
    SlimNetwork cut = SlimPruner.prune(spec, contents.weights(), plan);
    Map<String, String> extra = new LinkedHashMap<>();
    extra.put(GenerationRecord.DENSE_ACCURACY_KEY, Double.toString(record.denseAccuracy()));
    ModelCard slimCard = SlimFolder.slimCard(card, g, record.slimAccuracy(), extra);
    return new Network(cut.spec(), cut.weights(), slimCard,
        "slim " + cut.spec().architecture() + " (" + plan.describe() + ") generation " + g,
        dir.generationWeightsFile(g));
  }

  /** The first test images of the card's dataset, a fixed share of every class, normalised. */
  private float[][] parityImages(ModelCard card, NetworkSpec spec) {
    String dataset = data != null ? data : card.extra().get(PruneCommand.DATASET_KEY);
    if (dataset == null) {
      throw new ModelException("the model card names no dataset (ke." + PruneCommand.DATASET_KEY
          + "); pass --data NAME|PATH for the parity images, or --no-verify");
    }
    Dataset test = Datasets.load(dataset).test();
    if (!test.shape().equals(spec.input().shape())) {
      throw new ModelException("dataset " + dataset + " has images " + test.shape()
          + ", the network takes " + spec.input().shape() + "; pass --data with matching images");
    }
    int perClass = Math.max(1, (parityImages + test.classes() - 1) / test.classes());
    Dataset sample = test.samplePerClass(perClass, 0);
    int n = Math.min(parityImages, sample.size());
    float[][] images = new float[n][];
    for (int i = 0; i < n; i++) {
      images[i] = card.normalization().normalize(sample.image(i));
    }
    return images;
  }

  /** The SHA-256 of the weights file the export came from: provenance that names exact bytes. */
  private static String sha256(Path file) {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      byte[] buf = new byte[1 << 16];
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        md.update(buf, 0, n);
      }
      return HexFormat.of().formatHex(md.digest());
    } catch (IOException e) {
      throw new ModelException("cannot read " + file + ": " + e.getMessage(), e);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

}
