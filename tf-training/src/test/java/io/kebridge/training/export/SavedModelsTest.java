package io.kebridge.training.export;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.models.arch.ArchitectureConfig;
import io.kebridge.models.arch.Architectures;
import io.kebridge.models.spec.ActivationShape;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.models.weights.Weights;
import io.kebridge.training.graph.TfForward;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.types.TFloat32;

class SavedModelsTest {

  @Test
  void loadedSavedModelGivesTheSameLogitsAsTheTrainingGraph(@TempDir Path tmp) throws Exception {
    NetworkSpec spec =
        Architectures.build(
            "resnet18",
            new ArchitectureConfig(
                new ActivationShape(3, 12, 12), 4, 4, ArchitectureConfig.Stem.CIFAR));
    Weights w = WeightInit.randomized(spec, 5);
    Path dir = tmp.resolve("saved");
    SavedModels.export(spec, w, dir);
    // exporting again replaces the folder rather than failing or mixing files
    SavedModels.export(spec, w, dir);
    assertTrue(Files.isRegularFile(dir.resolve("saved_model.pb")));

    int n = 3;
    int per = 3 * 12 * 12;
    float[][] images = new float[n][per];
    float[] flat = new float[n * per];
    SplittableRandom r = new SplittableRandom(3);
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < per; j++) {
        images[i][j] = (float) r.nextGaussian();
        flat[i * per + j] = images[i][j];
      }
    }
    float[][] want;
    try (TfForward f = TfForward.open(spec, w)) {
      want = f.logits(images);
    }
    try (SavedModelBundle b = SavedModelBundle.load(dir.toString(), "serve");
        TFloat32 x = TFloat32.tensorOf(Shape.of(n, 3, 12, 12), DataBuffers.of(flat, true, false));
        Result out = b.function(SavedModels.SIGNATURE).call(Map.of("images", x))) {
      float[] logits = new float[n * 4];
      float[] probs = new float[n * 4];
      out.get("logits").orElseThrow().asRawTensor().data().asFloats().read(logits);
      out.get("probabilities").orElseThrow().asRawTensor().data().asFloats().read(probs);
      for (int i = 0; i < n; i++) {
        float[] row = new float[4];
        System.arraycopy(logits, i * 4, row, 0, 4);
        assertArrayEquals(want[i], row, 1e-5f);
        float sum = 0;
        for (int k = 0; k < 4; k++) {
          sum += probs[i * 4 + k];
        }
        assertEquals(1f, sum, 1e-5f);
      }
    }
    try (var files = Files.list(tmp)) {
      assertEquals(1, files.count(), "no temporary folders are left behind");
    }
  }
}
