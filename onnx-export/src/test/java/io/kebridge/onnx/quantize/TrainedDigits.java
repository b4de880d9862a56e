package io.kebridge.onnx.quantize;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.kebridge.models.card.ModelCard;
import io.kebridge.models.data.DataSplits;
import io.kebridge.models.data.Datasets;
import io.kebridge.models.io.Folders;
import io.kebridge.models.run.RunDirectory;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.Weights;
import io.kebridge.onnx.export.ExportOptions;
import io.kebridge.onnx.export.OnnxExporter;
import io.kebridge.training.ke.KeConfig;
import io.kebridge.training.ke.KeTrainer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A width-8 small CNN trained for five epochs on the embedded digits (about a second on
 * TensorFlow; about 95% test accuracy), trained once per test JVM and shared by the tests that
 * need a network that learned something.
 */
final class TrainedDigits {
  static final DataSplits DIGITS = Datasets.load("digits");

  private static TrainedDigits instance;

  final NetworkSpec spec;
  final Weights weights;
  final ModelCard card;

  private TrainedDigits(NetworkSpec spec, Weights weights, ModelCard card) {
    this.spec = spec;
    this.weights = weights;
    this.card = card;
  }

  static synchronized TrainedDigits get() {
    if (instance == null) {
      Path dir;
      try {
        dir = Files.createTempDirectory("ke-int8-digits");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      try {
        KeConfig config = KeConfig.builder().dataset("digits").architecture("small-cnn").width(8)
            .generations(1).epochs(5).seed(3).build();
        KeTrainer.create(config, DIGITS, dir.resolve("run")).run();
        RunDirectory run = RunDirectory.open(dir.resolve("run"));
        instance = new TrainedDigits(run.spec(), run.generationWeights(1).weights(),
            run.card().withExtra("dataset", "digits"));
      } finally {
        try {
          Folders.deleteTree(dir);
        } catch (IOException e) {
          // a temporary folder left behind does not matter to the tests
        }
      }
    }
    return instance;
  }

  /** The float model as {@code ke export} writes it. */
  ModelProto floatModel(boolean foldBatchNorm) {
    return OnnxExporter.export(spec, weights, card,
        ExportOptions.defaults().withFoldBatchNorm(foldBatchNorm));
  }

  /** {@code n} training images drawn with seed 0, normalised as the card says. */
  CalibrationSet calibration(int n) {
    return CalibrationSet.fromDataset(DIGITS.train(), card.normalization(), n, 0);
  }
}
