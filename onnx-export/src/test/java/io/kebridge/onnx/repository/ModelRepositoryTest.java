package io.kebridge.onnx.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.ModelProto;
import io.kebridge.models.spec.NetworkSpec;
import io.kebridge.models.weights.WeightInit;
import io.kebridge.modelconfig.ModelConfigText;
import io.kebridge.modelconfig.proto.DataType;
import io.kebridge.modelconfig.proto.ModelConfig;
import io.kebridge.onnx.OnnxException;
import io.kebridge.onnx.TestNetworks;
import io.kebridge.onnx.export.ExportOptions;
import io.kebridge.onnx.export.OnnxExporter;
import io.kebridge.onnx.graph.OnnxFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
    String text = Files.readString(repo.resolve("digits/config.pbtxt"));
    // Read back strictly with the classes the server uses: nothing unknown, the same message.
    ModelConfigText.Parsed parsed = ModelConfigText.parse(text, "digits/config.pbtxt");
    assertEquals(List.of(), parsed.ignored());
    ModelConfig config = parsed.config();
    assertEquals(ModelRepository.tritonConfig("digits", model, 32), config);
    assertEquals("digits", config.getName());
    assertEquals("onnxruntime_onnx", config.getPlatform());
    assertEquals(32, config.getMaxBatchSize());
    assertTrue(config.hasDynamicBatching(), text);
    assertEquals("input", config.getInput(0).getName());
    assertEquals(DataType.TYPE_FP32, config.getInput(0).getDataType());
    assertEquals(List.of(1L, 8L, 8L), config.getInput(0).getDimsList());
    assertEquals("logits", config.getOutput(0).getName());
    assertEquals(List.of(10L), config.getOutput(0).getDimsList());
    assertEquals("probs", config.getOutput(1).getName());
    // Triton's classification extension reads the labels file the outputs name.
    assertEquals(ModelRepository.LABELS_FILE, config.getOutput(0).getLabelFilename());
    assertEquals(TestNetworks.card(spec).labels(),
        Files.readAllLines(repo.resolve("digits/labels.txt")));
  }

  @Test
  void versionsMustBePositiveAndNamesFolderSafe(@TempDir Path repo) {
    assertThrows(OnnxException.class, () -> ModelRepository.write(repo, "m", 0, model, 8));
    OnnxException e =
        assertThrows(OnnxException.class, () -> ModelRepository.write(repo, "../x", 1, model, 8));
    assertTrue(e.getMessage().contains("letters, digits"), e.getMessage());
  }
}
