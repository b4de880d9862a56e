package io.kebridge.cli;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.card.NetworkKind;
import io.kebridge.models.data.ChannelStats;
import io.kebridge.models.data.DataSplits;
import io.kebridge.models.data.Datasets;
import io.kebridge.models.forward.Forward;
import io.kebridge.models.run.GenerationRecord;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.split.SplitPlan;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.weights.Weights;
import io.kebridge.prune.cut.MaskedDense;
import io.kebridge.prune.cut.SlimPruner;
import io.kebridge.prune.eval.AccuracyEvaluator;
import io.kebridge.training.graph.TfForward;
import java.nio.file.Path;
import java.util.Map;

/**
 * Writes run directories as the trainer leaves them (spec, card, generations with weights and the
 * logged accuracies) for a width-4 small CNN on the embedded digits, without training: the slim
 * accuracy is recorded the trainer's way, by the masked dense network on TensorFlow.
 */
final class TestRuns {
  static final DataSplits DIGITS = Datasets.load("digits");

  private TestRuns() {}

  static NetworkSpec spec(int width) {
    return Architectures.build("small-cnn", new ArchitectureConfig(DIGITS.train().shape(),
        DIGITS.train().classes(), width, ArchitectureConfig.Stem.AUTO));
  }

  static ModelCard card(NetworkSpec spec, String split) {
    ChannelStats stats = DIGITS.train().stats();
    return new ModelCard("small-cnn", NetworkKind.DENSE, split, 2, DIGITS.train().classNames(),
        spec.input().shape(), "NCHW", stats.mean(), stats.std(), null, "test",
        Map.of("dataset", "digits"));
  }

  /**
   * Writes {@code dir} with generations 1 and 2 of random weights ({@code weights} instead, when
   * given, to simulate a broken run).
   */
  static Path write(Path dir, String split, Weights weights) {
    NetworkSpec spec = spec(4);
    ModelCard card = card(spec, split);
    RunDirectory run = RunDirectory.create(dir);
    run.writeSpec(spec);
    run.writeCard(card);
    SplitPlan plan = SplitPlan.parse(split, 0);
    for (int g = 1; g <= 2; g++) {
      Weights w = weights != null ? weights : WeightInit.randomized(spec, 100 + g);
      double slimAccuracy = 0.0;
      if (plan.hasSlimNetwork()) {
        Weights masked = MaskedDense.of(w, SlimPruner.plan(spec, plan));
        try (Forward f = TfForward.open(spec, masked)) {
          slimAccuracy = AccuracyEvaluator.evaluate(f, DIGITS.test(), card.mean(), card.std(),
              64).value();
        }
      }
      run.writeGeneration(new GenerationRecord(g, split, 0.5, slimAccuracy, 1, 0.1,
          RunDirectory.generationWeightsPath(g), RunDirectory.generationMasksPath(g)), w);
    }
    return dir;
  }
}
