package io.kebridge.modelconfig;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.modelconfig.proto.DataType;
import io.kebridge.modelconfig.proto.ModelConfig;
import io.kebridge.modelconfig.proto.ModelQueuePolicy;
import java.util.List;
import org.junit.jupiter.api.Test;

/** config.pbtxt is read and written by protobuf's TextFormat into ModelConfig messages. */
class ModelConfigTextTest {
  /** A Triton-style file that uses every part of the subset. */
  static final String FULL = """
      name: "resnet"
      platform: "onnxruntime_onnx"
      backend: "onnxruntime"
      max_batch_size: 16
      version_policy { specific { versions: [1, 3] } }
      input [
        { name: "input" data_type: TYPE_FP32 format: FORMAT_NCHW dims: [ 3, 224, 224 ] }
      ]
      output [
        { name: "logits" data_type: TYPE_FP32 dims: [ 1000 ] label_filename: "labels.txt" },
        { name: "probs" data_type: TYPE_FP32 dims: [ 1000 ] }
      ]
      instance_group [ { name: "cpu" count: 2 kind: KIND_CPU } ]
      default_model_filename: "resnet.onnx"
      dynamic_batching {
        preferred_batch_size: [ 4, 8 ]
        max_queue_delay_microseconds: 500
        default_queue_policy { timeout_action: REJECT default_timeout_microseconds: 100000 max_queue_size: 64 }
      }
      parameters { key: "intra_op_thread_count" value: { string_value: "2" } }
      model_warmup [
        {
          name: "zeros"
          batch_size: 4
          inputs { key: "input" value: { data_type: TYPE_FP32 dims: [ 3, 224, 224 ] zero_data: true } }
          count: 2
        }
      ]
      """;

  @Test
  void everyFieldOfTheSubsetIsReadByName() {
    ModelConfigText.Parsed p = ModelConfigText.parse(FULL, "config.pbtxt");
    assertEquals(List.of(), p.ignored());
    ModelConfig c = p.config();
    assertEquals("resnet", c.getName());
    assertEquals(16, c.getMaxBatchSize());
    assertEquals(List.of(1L, 3L), c.getVersionPolicy().getSpecific().getVersionsList());
    assertEquals(List.of(3L, 224L, 224L), c.getInput(0).getDimsList());
    assertEquals(DataType.TYPE_FP32, c.getOutput(1).getDataType());
    assertEquals("labels.txt", c.getOutput(0).getLabelFilename());
    assertEquals(2, c.getInstanceGroup(0).getCount());
    assertEquals("resnet.onnx", c.getDefaultModelFilename());
    assertEquals(List.of(4, 8), c.getDynamicBatching().getPreferredBatchSizeList());
    assertEquals(ModelQueuePolicy.TimeoutAction.REJECT,
        c.getDynamicBatching().getDefaultQueuePolicy().getTimeoutAction());
    assertEquals(64, c.getDynamicBatching().getDefaultQueuePolicy().getMaxQueueSize());
    assertEquals("2", c.getParametersOrThrow("intra_op_thread_count").getStringValue());
    assertTrue(c.getModelWarmup(0).getInputsOrThrow("input").getZeroData());
  }

  @Test
  void printingAndReadingBackGivesTheSameMessage() {
    ModelConfig c = ModelConfigText.parse(FULL, "config.pbtxt").config();
    String text = ModelConfigText.print(c, "written by a test\nsecond line");
    assertTrue(text.startsWith("# written by a test\n# second line\n"), text);
    ModelConfigText.Parsed again = ModelConfigText.parse(text, "again");
    assertEquals(List.of(), again.ignored());
    assertEquals(c, again.config());
    assertEquals(text, ModelConfigText.print(again.config(), "written by a test\nsecond line"));
  }

  @Test
  void fieldsOutsideTheSubsetAreSkippedAndReported() {
    String text = "name: \"m\"\nmax_batch_size: 8\n"
        + "sequence_batching { max_sequence_idle_microseconds: 5000 control_input [ { name: \"s\" } ] }\n"
        + "instance_group [ { count: 1 kind: KIND_GPU gpus: [ 0, 1 ] } ]\n"
        + "optimization { graph { level: 1 } }\n";
    ModelConfigText.Parsed p = ModelConfigText.parse(text, "m/config.pbtxt");
    assertEquals(8, p.config().getMaxBatchSize());
    assertEquals(1, p.config().getInstanceGroup(0).getCount());
    assertEquals(List.of("ModelConfig.sequence_batching (line 3)",
        "ModelInstanceGroup.gpus (line 4)", "ModelConfig.optimization (line 5)"), p.ignored());
  }

  @Test
  void syntaxAndTypeErrorsNameTheFileAndLine() {
    ModelConfigException e = assertThrows(ModelConfigException.class,
        () -> ModelConfigText.parse("name: \"m\"\nmax_batch_size: \"eight\"\n", "m/config.pbtxt"));
    assertTrue(e.getMessage().startsWith("m/config.pbtxt: 2:"), e.getMessage());
    e = assertThrows(ModelConfigException.class,
        () -> ModelConfigText.parse("input [ { data_type: TYPE_FLOAT } ]", "x"));
    assertTrue(e.getMessage().contains("TYPE_FLOAT"), e.getMessage());
    e = assertThrows(ModelConfigException.class, () -> ModelConfigText.parse("name: {", "x"));
    assertTrue(e.getMessage().startsWith("x: 1:"), e.getMessage());
  }
}
