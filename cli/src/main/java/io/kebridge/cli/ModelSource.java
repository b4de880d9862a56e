package io.kebridge.cli;

import io.kebridge.models.ModelException;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.run.GenerationRecord;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.SplitPlan;
import io.kebridge.models.weights.SafeTensors;
import io.kebridge.models.weights.Weights;
import io.kebridge.prune.cut.SlimNetwork;
import io.kebridge.prune.cut.SlimPruner;
import io.kebridge.prune.store.SlimFolder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The one way the CLI turns a folder into a network: a run's generation (dense, or its KELS slim
 * network cut out), or a slim or imported folder, with its weights and model card. {@code ke
 * export} and {@code ke eval} read networks through it.
 */
final class ModelSource {
  private ModelSource() {}

  /**
   * A network ready to run.
   *
   * @param card its model card, or null where the folder has none (an older import)
   * @param what a label for the console ({@code dense resnet18 generation 3})
   * @param weightsFile the file the weights came from (provenance)
   */
  record Loaded(NetworkSpec spec, Weights weights, ModelCard card, String what, Path weightsFile) {}

  /**
   * Opens {@code source}: a slim or imported folder as it is (unless {@code slim} or {@code
   * generation} ask for a run's generation), else generation {@code generation} (default: the
   * last) of a run, dense or with {@code slim} its slim network.
   */
  static Loaded load(Path source, Integer generation, boolean slim) {
    RunDirectory dir = RunDirectory.open(source);
    NetworkSpec spec = dir.spec();
    ModelCard card = Files.isRegularFile(dir.cardFile()) ? dir.card() : null;
    boolean folder = Files.isRegularFile(dir.weightsFile());
    if (!slim && generation == null && folder) {
      Weights w = SafeTensors.read(dir.weightsFile()).weights();
      String kind = card == null ? "imported" : card.network();
      return new Loaded(spec, w, card, kind + " " + spec.architecture(), dir.weightsFile());
    }
    if (dir.generations().isEmpty()) {
      throw new ModelException(folder
          ? source + " is a slim or imported folder (weights.safetensors, no generations): use"
              + " it without --slim and --generation"
          : source + " has neither weights.safetensors nor finished generations");
    }
    if (card == null) {
      dir.card(); // fails naming the missing file
    }
    int g = generation != null ? generation : dir.latestGeneration();
    SafeTensors.Contents contents = dir.generationWeights(g);
    GenerationRecord record = GenerationRecord.fromMetadata(g, contents.metadata());
    if (!slim) {
      Double acc = record.denseAccuracy();
      ModelCard dense = new ModelCard(card.architecture(), "dense", card.split(), g,
          card.labels(), card.input(), card.layout(), card.mean(), card.std(), acc,
          card.version(), card.extra());
      return new Loaded(spec, contents.weights(), dense,
          "dense " + spec.architecture() + " generation " + g, dir.generationWeightsFile(g));
    }
    SplitPlan plan = SplitPlan.parse(card.split(), 0);
    SlimNetwork cut = SlimPruner.prune(spec, contents.weights(), plan);
    Map<String, String> extra = new LinkedHashMap<>();
    extra.put(GenerationRecord.DENSE_ACCURACY_KEY, Double.toString(record.denseAccuracy()));
    ModelCard slimCard = SlimFolder.slimCard(card, g, record.slimAccuracy(), extra);
    return new Loaded(cut.spec(), cut.weights(), slimCard,
        "slim " + cut.spec().architecture() + " (" + plan.describe() + ") generation " + g,
        dir.generationWeightsFile(g));
  }
}
