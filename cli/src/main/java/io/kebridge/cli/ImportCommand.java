package io.kebridge.cli;

import io.kebridge.models.cost.CostCounter;
import io.kebridge.models.cost.CostReport;
import io.kebridge.models.forward.Forward;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.onnx.imports.ImportCheck;
import io.kebridge.onnx.imports.ImportedModel;
import io.kebridge.onnx.imports.OnnxImporter;
import io.kebridge.onnx.parity.ParityReport;
import io.kebridge.onnx.runtime.OrtSettings;
import io.kebridge.training.graph.TfForward;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ke import}: an ONNX CNN from any stack into a network spec and weights that every
 * ke-bridge tool reads, checked by running the original file on ONNX Runtime beside the imported
 * network on TensorFlow.
 */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
      "Read an ONNX CNN (IR 3-10, opsets 7-21: torch.onnx, the ONNX model zoo, tf2onnx) into",
      "SPEC_DIR: spec.json, weights.safetensors and, when the file has ke.* metadata, card.json.",
      "Constant subgraphs are folded; what cannot be expressed is listed in one error. The",
      "original file on ONNX Runtime and the imported network on TensorFlow are compared on",
      "random inputs before anything is written."
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

  @Spec CommandLine.Model.CommandSpec command;

  @Override
  public void run() {
    RunDirectory.requireNewOrEmpty(out);
    PrintWriter console = command.commandLine().getOut();
    ImportedModel imported = OnnxImporter.read(model);
    NetworkSpec spec = imported.spec();
    CostReport cost = CostCounter.count(spec);
    console.printf(Locale.ROOT, "%s: %s, %d layers, input %s, %d classes, %,d params, %,d MACs%n",
        model, spec.architecture(), spec.layers().size(), spec.input().shape(), spec.classes(),
        cost.params(), cost.macs());
    for (String note : imported.original().notes()) {
      console.println("note: " + note);
    }
    if (!noVerify) {
      float[][] x = ImportCheck.randomImages(spec.input().shape(),
          ImportCheck.imagesFor(spec.input().shape()), 1);
      try (Forward tf = TfForward.open(spec, imported.weights())) {
        ParityReport p = ImportCheck.run(imported, tf, x, OrtSettings.defaults());
        console.println("import check (imported network on TensorFlow) " + p.describe());
        ImportCheck.require(p);
      }
    }
    imported.writeTo(RunDirectory.create(out),
        Map.of("imported_from", model.toAbsolutePath().normalize().toString()));
    console.printf(Locale.ROOT, "wrote %s (spec.json, weights.safetensors%s)%n", out,
        imported.card() != null ? ", card.json" : "");
    if (imported.card() == null) {
      console.println("the file has no ke.* metadata, so no card.json (labels, normalisation) was"
          + " written; add one before training or serving");
    }
    console.flush();
  }
}
