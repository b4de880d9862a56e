package io.kebridge.cli;

import io.kebridge.models.ModelException;
import io.kebridge.models.card.CardKey;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.card.NetworkKind;
import io.kebridge.models.card.SourceFile;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.run.StoredNetwork;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.ChannelPlan;
import io.kebridge.models.split.SplitPlan;
import io.kebridge.models.weights.Weights;
import io.kebridge.prune.cut.SlimNetwork;
import io.kebridge.prune.cut.SlimPruner;
import io.kebridge.prune.store.SlimFolder;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The one way the CLI turns a folder into a network: a run's generation (dense, or its KELS slim
 * network cut out), or a slim or imported folder, with its weights and model card. {@code ke
 * export}, {@code ke eval} and {@code ke prune} read networks through it.
 */
final class ModelSource {
  private ModelSource() {}

  /**
   * A network ready to run.
   *
   * @param card its model card, or null where the folder has none (an import made before cards
   *     were always written)
   * @param what a label for the console ({@code dense resnet18 generation 3})
   * @param source the weights file it came from, by name and SHA-256 (provenance)
   */
  record Loaded(NetworkSpec spec, Weights weights, ModelCard card, String what,
      SourceFile source) {}

  /**
   * A dense network and the slim network cut out of it.
   *
   * @param dense the network as stored
   * @param split the KELS split the slim network keeps
   * @param slim the fit hypothesis cut out, with the slim card (the dense card's properties, its
   *     logged slim accuracy when a run logged one, the dense accuracy and the source)
   */
  record Cut(StoredNetwork dense, SplitPlan split, SlimNetwork network, ModelCard card,
      String what) {
    /** The slim network as a {@link Loaded}. */
    Loaded slim() {
      return new Loaded(network.spec(), network.weights(), card, what, dense.source());
    }

    /** The channel plan of the cut. */
    ChannelPlan plan() {
      return network.plan();
    }
  }

  /**
   * Opens {@code source}: a slim or imported folder as it is (unless {@code generation} asks for
   * a run's generation), else generation {@code generation} (default: the last) of a run; with
   * {@code slim} the slim network cut out of it.
   */
  static Loaded load(Path source, Integer generation, boolean slim) {
    if (slim) {
      return cut(source, generation, null).slim();
    }
    StoredNetwork n = RunDirectory.open(source).network(generation);
    String arch = n.spec().architecture();
    String what = n.record() == null ? folderWhat(n.card(), arch)
        : "dense " + arch + " generation " + n.record().generation();
    return new Loaded(n.spec(), n.weights(), n.card(), what, n.source());
  }

  /**
   * How a slim or imported folder's network is named in messages: {@code slim small-cnn}, or an
   * imported network by the file it was read from ({@code imported resnet18.onnx}), its
   * architecture being only "imported".
   */
  private static String folderWhat(ModelCard card, String arch) {
    String kind = card == null ? NetworkKind.IMPORTED.label() : card.network().label();
    String from = card == null ? null
        : card.source(CardKey.IMPORTED_FROM).map(SourceFile::name).orElse(null);
    if (arch.equals(kind)) {
      return from == null ? kind + " network" : kind + " " + from;
    }
    return kind + " " + arch + (from == null ? "" : " (from " + from + ")");
  }

  /**
   * Cuts the slim network out of {@code source} (a run's generation, default the last, or a
   * dense or imported folder's own weights) with {@code split} (default: the card's). A WELS or
   * LLF split is refused before any weights are read.
   */
  static Cut cut(Path source, Integer generation, String split) {
    RunDirectory dir = RunDirectory.open(source);
    ModelCard card = dir.card();
    if (card.network() == NetworkKind.SLIM && split == null) {
      throw new ModelException(source + " already holds a slim network; cut a run's generation"
          + " or a dense folder, or give --split to cut this one again");
    }
    String chosen = split != null ? split : card.split();
    if (chosen == null) {
      throw new ModelException(source + " has no KE split (" + card.network().label()
          + " network): give --split kels:S to choose the channels the slim network keeps");
    }
    SplitPlan plan = SplitPlan.parse(chosen, 0);
    ChannelPlan channels = SlimPruner.plan(dir.spec(), plan); // refuses WELS and LLF first
    StoredNetwork dense = dir.network(generation);
    SlimNetwork cut = SlimPruner.cut(dense.weights(), channels);
    Double logged = dense.record() == null ? null : dense.record().slimAccuracy();
    int g = dense.record() == null ? dense.card().generation() : dense.record().generation();
    ModelCard slimCard = SlimFolder.slimCard(dense.card(), plan.describe(), g, logged,
        dense.source());
    String what = String.format(Locale.ROOT, "slim %s (%s)%s", cut.spec().architecture(),
        plan.describe(), dense.record() == null ? "" : " generation " + g);
    return new Cut(dense, plan, cut, slimCard, what);
  }
}
