package io.kebridge.serve.repository;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.modelconfig.ModelConfigText;
import io.kebridge.modelconfig.proto.ModelConfig;
import io.kebridge.serve.InferenceServer;
import io.kebridge.serve.TestClient;
import io.kebridge.serve.TestModels;
import io.kebridge.serve.batching.BatchingSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** config.pbtxt fields are honoured, unknown ones reported, broken ones refused clearly. */
class ModelConfigServingTest {
  @TempDir Path repo;

  private ServedModel served(InferenceServer server) {
    return server.repository().find("digits", Optional.empty());
  }

  @Test
  void theCompleteConfigRoundTripsThroughConfigPbtxtUnchanged() throws Exception {
    TestModels.write(repo, "digits", 1, 1);
    ModelConfig complete;
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo).build())) {
      complete = served(server).config().config();
    }
    // Written back as the model's config.pbtxt, read strictly, served again: the same message.
    String text = ModelConfigText.print(complete, "round trip");
    assertEquals(List.of(), ModelConfigText.parse(text, "x").ignored());
    Files.writeString(repo.resolve("digits/config.pbtxt"), text);
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo).build())) {
      assertEquals(complete, served(server).config().config());
      assertEquals(List.of(), served(server).config().ignored());
    }
  }

  @Test
  void batchingInstancesVersionsAndFileNameComeFromTheConfig() throws Exception {
    TestModels.write(repo, "digits", 1, 1);
    TestModels.write(repo, "digits", 2, 2);
    TestModels.write(repo, "digits", 3, 3);
    Files.move(repo.resolve("digits/2/model.onnx"), repo.resolve("digits/2/net.onnx"));
    Files.move(repo.resolve("digits/3/model.onnx"), repo.resolve("digits/3/net.onnx"));
    Files.writeString(repo.resolve("digits/config.pbtxt"), """
        name: "digits"
        platform: "onnxruntime_onnx"
        max_batch_size: 8
        default_model_filename: "net.onnx"
        version_policy { latest { num_versions: 2 } }
        instance_group [ { count: 2 kind: KIND_CPU } ]
        dynamic_batching {
          preferred_batch_size: [ 4 ]
          max_queue_delay_microseconds: 3000
          default_queue_policy { max_queue_size: 7 default_timeout_microseconds: 500000 }
        }
        parameters { key: "intra_op_thread_count" value: { string_value: "1" } }
        """);
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo).build())) {
      assertEquals(List.of(2L, 3L), server.repository().versions("digits"));
      BatchingSettings b = served(server).config().batching();
      assertEquals(new BatchingSettings(true, 8, Duration.ofMillis(3), List.of(4), 7,
          Duration.ofMillis(500), 2), b);
      assertEquals(200, new TestClient(server.url(), null).postJson("/v2/models/digits/infer",
          TestClient.inferJson(null, TestModels.images(2, 1))).statusCode());
    }
  }

  @Test
  void withoutDynamicBatchingEveryRequestRunsAlone() throws Exception {
    TestModels.write(repo, "digits", 1, 1);
    Path config = repo.resolve("digits/config.pbtxt");
    Files.writeString(config, Files.readString(config).replace("dynamic_batching {\n}\n", ""));
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo).build())) {
      assertEquals(false, served(server).config().batching().merge());
      assertEquals(false, served(server).config().config().hasDynamicBatching());
    }
  }

  @Test
  void unsupportedFieldsAreIgnoredAndReportedButTheModelServes() throws Exception {
    TestModels.write(repo, "digits", 1, 1);
    Path config = repo.resolve("digits/config.pbtxt");
    Files.writeString(config, Files.readString(config)
        + "optimization { graph { level: 1 } }\nresponse_cache { enable: true }\n"
        + "parameters { key: \"enable_mem_arena\" value: { string_value: \"0\" } }\n");
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo).build())) {
      List<String> ignored = served(server).config().ignored();
      assertTrue(ignored.stream().anyMatch(f -> f.startsWith("ModelConfig.optimization")), ""
          + ignored);
      assertTrue(ignored.stream().anyMatch(f -> f.startsWith("ModelConfig.response_cache")), ""
          + ignored);
      assertTrue(ignored.contains("parameters.enable_mem_arena"), "" + ignored);
      assertEquals(200, new TestClient(server.url(), null).get("/v2/health/ready").statusCode());
    }
  }

  @Test
  void aConfigThatContradictsTheModelFailsItsLoadWithAReason() throws Exception {
    TestModels.write(repo, "digits", 1, 1);
    Path config = repo.resolve("digits/config.pbtxt");
    String good = Files.readString(config);
    String[][] cases = {
        {good.replace("dims: 10", "dims: 11"), "dims"},
        {good.replace("name: \"input\"", "name: \"image\""), "not an input"},
        {good.replace("platform: \"onnxruntime_onnx\"", "platform: \"tensorflow_savedmodel\""),
            "tensorflow_savedmodel"},
        {good + "max_batch_size: \"many\"\n", "digits/config.pbtxt"},
    };
    for (String[] c : cases) {
      Files.writeString(config, c[0]);
      try (InferenceServer server = InferenceServer.start(TestModels.config(repo).build())) {
        assertEquals(400, new TestClient(server.url(), null).get("/v2/health/ready")
            .statusCode(), c[1]);
        String failure = String.join(" ", server.repository().failures().values());
        assertTrue(failure.contains(c[1]), c[1] + ": " + failure);
      }
    }
  }
}
