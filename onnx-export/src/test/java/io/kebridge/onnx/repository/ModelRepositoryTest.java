package io.kebridge.onnx.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.TestNetworks;
import io.kebridge.onnx.export.ExportOptions;
import io.kebridge.onnx.export.OnnxExporter;
import io.kebridge.onnx.graph.OnnxFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRepositoryTest {
  private final NetworkSpec spec = TestNetworks.smallCnn();
  private final ModelProto model = OnnxExporter.export(spec, WeightInit.randomized(spec, 1),
      TestNetworks.card(spec), ExportOptions.defaults());

  @Test
  void entryHasTheTritonLayoutAndAConfigDerivedFromTheGraph(@TempDir Path repo) throws Exception {
    Path file = ModelRepository.write(repo, "digits", 3, model, 32);
    assertEquals(repo.resolve("digits/3/model.onnx"), file);
    assertEquals(model, OnnxFiles.read(file));
    String config = Files.readString(repo.resolve("digits/config.pbtxt"));
    assertTrue(config.contains("name: \"digits\""), config);
    assertTrue(config.contains("platform: \"onnxruntime_onnx\""), config);
    assertTrue(config.contains("max_batch_size: 32"), config);
    assertTrue(config.contains("name: \"input\"\n    data_type: TYPE_FP32\n    dims: [ 1, 8, 8 ]"),
        config);
    assertTrue(config.contains("name: \"logits\"\n    data_type: TYPE_FP32\n    dims: [ 10 ]"),
        config);
    assertTrue(config.contains("name: \"probs\""), config);
  }

  @Test
  void versionsMustBePositiveAndNamesFolderSafe(@TempDir Path repo) {
    assertThrows(OnnxException.class, () -> ModelRepository.write(repo, "m", 0, model, 8));
    OnnxException e =
        assertThrows(OnnxException.class, () -> ModelRepository.write(repo, "../x", 1, model, 8));
    assertTrue(e.getMessage().contains("letters, digits"), e.getMessage());
  }
}
