package io.kebridge.serve.warmup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kebridge.serve.InferenceServer;
import io.kebridge.serve.TestClient;
import io.kebridge.serve.TestModels;
import io.kebridge.serve.repository.ServedModel;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ready means warm: warm-up runs before a version is reported ready and takes no traffic. */
class WarmupTest {
  @TempDir Path repo;

  @Test
  void everyBatchSizeUpToTheBoundRunsBeforeReadyAndThroughBothPorts() {
    TestModels.write(repo, "digits", 1, 1);
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo)
        .maxBatchSize(16).warmupMaxBatchSize(8).warmupRequests(3).build())) {
      ServedModel m = server.repository().find("digits", Optional.empty());
      assertEquals(List.of(1, 2, 4, 8), m.warmup().stream()
          .map(ServedModel.WarmupRun::batchSize).toList());
      assertEquals(3, m.warmup().get(0).count());
      // 3 requests each of REST JSON, REST binary, gRPC typed and gRPC raw.
      assertEquals(12, server.warmupRequestsSent());
      // Warm-up is not traffic: statistics and request metrics start at zero.
      assertEquals(0, m.stats().snapshot().getInferenceCount());
      assertEquals(0, m.stats().snapshot().getExecutionCount());
      String metrics = new String(new TestClient(server.url(), null).get("/metrics").body(),
          java.nio.charset.StandardCharsets.UTF_8);
      // The infer series exist from the load on, at zero.
      assertTrue(metrics.contains("endpoint=\"infer\""), metrics);
      TestClient.samples(metrics, "ke_requests_total").forEach((labels, value) -> {
        if (labels.contains("endpoint=\"infer\"")) {
          assertEquals(0.0, value, labels);
        }
      });
    }
  }

  @Test
  void aBoundBeyondTheBatcherStopsAtItsMaxBatchAndZeroTurnsWarmupOff() {
    TestModels.write(repo, "digits", 1, 1);
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo)
        .maxBatchSize(6).warmupMaxBatchSize(32).build())) {
      assertEquals(List.of(1, 2, 4, 6), server.repository().find("digits", Optional.empty())
          .warmup().stream().map(ServedModel.WarmupRun::batchSize).toList());
    }
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo)
        .warmupMaxBatchSize(0).warmupRequests(0).build())) {
      assertEquals(List.of(), server.repository().find("digits", Optional.empty()).warmup());
      assertEquals(0, server.warmupRequestsSent());
    }
  }

  @Test
  void tritonModelWarmupEntriesRunWithZeroRandomAndFileData() throws Exception {
    TestModels.write(repo, "digits", 1, 1);
    Path dir = repo.resolve("digits");
    Files.createDirectories(dir.resolve("warmup"));
    ByteBuffer row = ByteBuffer.allocate(64 * 4).order(ByteOrder.LITTLE_ENDIAN);
    for (int i = 0; i < 64; i++) {
      row.putFloat(i / 64f);
    }
    Files.write(dir.resolve("warmup/one-row.bin"), row.array());
    String config = Files.readString(dir.resolve("config.pbtxt")) + """
        model_warmup [
          { name: "zeros" batch_size: 4 count: 2
            inputs { key: "input" value: { data_type: TYPE_FP32 dims: [1, 8, 8] zero_data: true } } },
          { name: "noise" batch_size: 1
            inputs { key: "input" value: { data_type: TYPE_FP32 dims: [1, 8, 8] random_data: true } } },
          { name: "file" batch_size: 3
            inputs { key: "input" value: { data_type: TYPE_FP32 dims: [1, 8, 8]
              input_data_file: "one-row.bin" } } }
        ]
        """;
    Files.writeString(dir.resolve("config.pbtxt"), config);
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo).build())) {
      ServedModel m = server.repository().find("digits", Optional.empty());
      assertEquals(List.of("zeros x2 b4", "noise x1 b1", "file x1 b3"), m.warmup().stream()
          .map(w -> w.name() + " x" + w.count() + " b" + w.batchSize()).toList());
      assertEquals(3, m.config().config().getModelWarmupCount());
    }
  }

  @Test
  void aBrokenWarmupFailsTheLoadWithItsReason() throws Exception {
    TestModels.write(repo, "digits", 1, 1);
    Path config = repo.resolve("digits/config.pbtxt");
    Files.writeString(config, Files.readString(config) + "model_warmup [ { name: \"w\" "
        + "batch_size: 1 inputs { key: \"input\" value: { data_type: TYPE_FP32 dims: [3, 8, 8] "
        + "zero_data: true } } } ]\n");
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo).build())) {
      assertEquals(400, new TestClient(server.url(), null).get("/v2/health/ready").statusCode());
      String failure = server.repository().failures().get("digits/1");
      assertTrue(failure.contains("model_warmup \"w\"") && failure.contains("dims"), failure);
    }
  }

  @Test
  void theFirstRequestAfterReadyIsCloseToTheSteadyLatency() {
    // A sanity bound with wide margins for a shared CI machine; the real figures come from
    // `ke bench serve --first-request` on fresh JVMs (README).
    TestModels.write(repo, "digits", 1, 1);
    try (InferenceServer server = InferenceServer.start(TestModels.config(repo)
        .warmupRequests(8).build())) {
      TestClient client = new TestClient(server.url(), null);
      assertEquals(200, client.get("/v2/health/ready").statusCode());
      String body = TestClient.inferJson(null, TestModels.images(1, 1));
      long t0 = System.nanoTime();
      assertEquals(200, client.postJson("/v2/models/digits/infer", body).statusCode());
      double first = (System.nanoTime() - t0) / 1e6;
      double[] steady = new double[50];
      for (int i = 0; i < steady.length; i++) {
        long t = System.nanoTime();
        client.postJson("/v2/models/digits/infer", body);
        steady[i] = (System.nanoTime() - t) / 1e6;
      }
      Arrays.sort(steady);
      double p50 = steady[steady.length / 2];
      assertTrue(first <= 4 * p50 + 25, "first request " + first + " ms, steady p50 " + p50);
    }
  }
}
