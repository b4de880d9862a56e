package io.kebridge.cli;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.kebridge.models.card.CardKey;
import io.kebridge.models.card.ForeignMetadata;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.card.NetworkKind;
import io.kebridge.models.card.SourceFile;
import io.kebridge.models.cost.CostCounter;
import io.kebridge.models.cost.CostReport;
import io.kebridge.models.forward.Forward;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.onnx.graph.OnnxFiles;
import io.kebridge.onnx.imports.ImportCheck;
import io.kebridge.onnx.imports.ImportedModel;
import io.kebridge.onnx.imports.InputShapes;
import io.kebridge.onnx.imports.OnnxImporter;
import io.kebridge.onnx.parity.ParityReport;
import io.kebridge.onnx.runtime.OrtSettings;
import io.kebridge.training.graph.TfForward;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ke import}: an ONNX CNN from any stack into a network spec, weights and model card that
 * every ke-bridge tool reads, checked by running the original file on ONNX Runtime beside the
 * imported network on TensorFlow.
 */
@Command(
    name = "import",
    header = "Import an ONNX CNN from another stack as a spec, weights and model card.",
    mixinStandardHelpOptions = true,
    description = {
      "Read an ONNX CNN (IR 3-10, opsets 7-21: torch.onnx, the ONNX model zoo, tf2onnx) into",
      "SPEC_DIR: spec.json, weights.safetensors and card.json. Constant subgraphs are folded;",
      "what cannot be expressed is listed in one error. The original file on ONNX Runtime and the",
      "imported network on TensorFlow are compared on random inputs before anything is written.",
      "The card takes ke's own card when the file has one; else the labels and normalisation",
      "given here, or those the file's metadata holds (labels, categories, classes, class_names,",
      "names; mean and std), or class 0..N-1 and no normalisation."
    })
public final class ImportCommand implements Runnable {

  @Parameters(index = "0", paramLabel = "MODEL.onnx", description = "The ONNX file to import.")
  Path model;

  @Option(names = "--out", required = true, paramLabel = "SPEC_DIR",
      description = "Folder to write (must not exist or be empty).")
  Path out;

  @Option(names = "--no-verify",
      description = "Skip comparing the original on ONNX Runtime with the import on TensorFlow.")
  boolean noVerify;

  @Option(names = "--labels", split = ",", paramLabel = "NAME[,NAME...]",
      description = "Class names in output order (default: the file's metadata, else class"
          + " 0..N-1).")
  List<String> labels;

  @Option(names = "--labels-file", paramLabel = "FILE",
      description = "Class names from a file: one per line, a JSON list, or a JSON object from"
          + " index to name or [id, name] (Keras's imagenet_class_index.json).")
  Path labelsFile;

  @Option(names = "--mean", split = ",", paramLabel = "M[,M...]",
      description = "Per-channel mean of pixels scaled to [0, 1] that the network was trained"
          + " with (torchvision: 0.485,0.456,0.406; default: the file's metadata, else none).")
  float[] mean;

  @Option(names = "--std", split = ",", paramLabel = "S[,S...]",
      description = "Per-channel std to go with --mean (torchvision: 0.229,0.224,0.225).")
  float[] std;

  @Option(names = "--input", paramLabel = "CxHxW",
      description = "The image size, for files that leave it open (dynamic height and width).")
  String input;

  @Spec CommandLine.Model.CommandSpec command;

  @Override
  public void run() {
    if (labels != null && labelsFile != null) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "give --labels or --labels-file, not both");
    }
    if ((mean == null) != (std == null)) {
      throw new CommandLine.ParameterException(command.commandLine(),
          "give --mean and --std together");
    }
    ActivationShape size = null;
    if (input != null) {
      try {
        size = ActivationShape.parse(input);
      } catch (IllegalArgumentException e) {
        throw new CommandLine.ParameterException(command.commandLine(), e.getMessage());
      }
    }
    List<String> given = labelsFile != null ? ForeignMetadata.labelsFile(labelsFile) : labels;
    RunDirectory.requireNewOrEmpty(out);
    PrintWriter console = command.commandLine().getOut();
    ImportedModel imported = size == null ? OnnxImporter.read(model)
        : InputShapes.read(model, size);
    NetworkSpec spec = imported.spec();
    CostReport cost = CostCounter.count(spec);
    console.printf(Locale.ROOT, "%s: %s, %d layers, input %s, %d classes, %,d params, %,d MACs%n",
        model, spec.architecture(), spec.layers().size(), spec.input().shape(), spec.classes(),
        cost.params(), cost.macs());
    for (String note : imported.original().notes()) {
      console.println("note: " + note);
    }
    SourceFile source = SourceFile.of(model);
    ModelCard card = card(imported, given, source, console);
    if (!noVerify) {
      float[][] x = ImportCheck.randomImages(spec.input().shape(),
          ImportCheck.imagesFor(spec.input().shape()), 1);
      try (Forward tf = TfForward.open(spec, imported.weights())) {
        ParityReport p = ImportCheck.run(imported, tf, x, OrtSettings.defaults());
        console.println("import check (imported network on TensorFlow) " + p.describe());
        ImportCheck.require(p);
      }
    }
    Map<String, String> provenance = new LinkedHashMap<>();
    provenance.put(CardKey.IMPORTED_FROM.key(), source.name());
    provenance.put(CardKey.IMPORTED_FROM.sha256Key(), source.sha256());
    RunDirectory dir = imported.writeTo(RunDirectory.create(out), provenance);
    dir.writeCard(card);
    console.printf(Locale.ROOT, "wrote %s (spec.json, weights.safetensors, card.json)%n", out);
    console.flush();
  }

  /**
   * The card of the import: the file's own ke card, else the labels and normalisation given, in
   * the file's metadata, or the defaults; each choice is printed.
   */
  private ModelCard card(ImportedModel imported, List<String> givenLabels, SourceFile source,
      PrintWriter console) {
    NetworkSpec spec = imported.spec();
    ModelProto file = imported.original().check();
    Map<String, String> meta = OnnxFiles.metadata(file);
    ModelCard.Builder b;
    String labelsFrom;
    String normFrom;
    if (imported.card() != null) {
      b = imported.card().toBuilder();
      labelsFrom = "the file's ke card";
      normFrom = "the file's ke card";
    } else {
      b = ModelCard.builder(ForeignMetadata.defaultLabels(spec.classes()), spec.input().shape())
          .architecture(spec.architecture()).network(NetworkKind.IMPORTED)
          .version(Main.version());
      labelsFrom = "none in the file, the default class 0..N-1 (--labels names them)";
      normFrom = "none (pixels in [0, 1]; --mean and --std set one)";
      Optional<ForeignMetadata.Found<List<String>>> found = ForeignMetadata.labels(meta);
      if (found.isPresent()) {
        List<String> l = found.get().value();
        if (l.size() == spec.classes()) {
          b.labels(l);
          labelsFrom = "the file's metadata '" + found.get().key() + "'";
        } else {
          console.printf(Locale.ROOT, "note: metadata '%s' holds %d labels, the network has %d"
              + " classes: not used%n", found.get().key(), l.size(), spec.classes());
        }
      }
      Optional<ForeignMetadata.Found<float[][]>> norm = ForeignMetadata.normalization(meta);
      if (norm.isPresent() && norm.get().value()[0].length == spec.input().shape().channels()
          && norm.get().value()[1].length == spec.input().shape().channels()) {
        b.normalization(norm.get().value()[0], norm.get().value()[1]);
        normFrom = "the file's metadata '" + norm.get().key() + "'";
      }
      String producer = (file.getProducerName() + " " + file.getProducerVersion()).strip();
      if (!producer.isEmpty()) {
        b.set(CardKey.IMPORTED_PRODUCER, producer);
      }
    }
    if (givenLabels != null) {
      if (givenLabels.size() != spec.classes()) {
        throw new CommandLine.ParameterException(command.commandLine(), (labelsFile != null
            ? "--labels-file " + labelsFile + " holds " : "--labels gives ") + givenLabels.size()
            + " names, the network has " + spec.classes() + " classes");
      }
      b.labels(givenLabels);
      labelsFrom = labelsFile != null ? labelsFile.toString() : "--labels";
    }
    int channels = spec.input().shape().channels();
    if (mean != null) {
      if (mean.length != channels || std.length != channels) {
        throw new CommandLine.ParameterException(command.commandLine(), "--mean and --std need "
            + channels + " values each (one per input channel), got " + mean.length + " and "
            + std.length);
      }
      b.normalization(mean, std);
      normFrom = "--mean and --std";
    }
    ModelCard card = b.source(CardKey.IMPORTED_FROM, source).build();
    List<String> l = card.labels();
    console.printf(Locale.ROOT, "card: %d labels (%s%s) from %s; normalisation mean %s std %s"
        + " from %s%n", l.size(), String.join(", ", l.subList(0, Math.min(3, l.size()))),
        l.size() > 3 ? ", ..." : "", labelsFrom, Arrays.toString(card.mean()),
        Arrays.toString(card.std()), normFrom);
    return card;
  }
}
